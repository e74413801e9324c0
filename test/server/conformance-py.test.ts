import { SettingsService } from '@simplewebauthn/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RegistrationResponseJSON } from '../../api/webauthn.js';
import { SUPPORTED_ALGORITHMS, verifyRegistration, type RegistrationRefusal } from '../../server/webauthn/registration.js';
import { loadPyRegistrationCases, loadW3cVectors, type PyRegistrationCase } from '../support/conformance-data.js';

/**
 * py_webauthn's registration cases whose inputs are literal data, through the same
 * path the HTTP API takes: our contract schema first, then our verification module.
 * Every case has a decided outcome; where it differs from py_webauthn's own
 * expectation, `differsFromPy` says why.
 */
const CASES = loadPyRegistrationCases();
/** What py_webauthn offers by default, plus ES384/ES512. */
const PY_ALGORITHMS = [...SUPPORTED_ALGORITHMS, -35, -36, -37, -258, -259, -65535];

type Outcome =
  | { outcome: 'accepted'; fmt: string }
  | { outcome: 'refused'; refusal: RegistrationRefusal; detail: RegExp }
  /** Refused by api/webauthn.ts before any verification: the HTTP layer answers 400 invalid_request. */
  | { outcome: 'contract'; path: string };
type Decided = Outcome & { algorithms?: number[]; wrongPackedRoot?: boolean; differsFromPy?: string };

const STANDARD_BASE64 = 'py_webauthn accepts standard base64 with padding here; the WebAuthn JSON encoding (and our contract) is base64url';
const DECIDED: Record<string, Decided> = {
  'test_verify_registration_response.py::test_verifies_none_attestation_response': { outcome: 'accepted', fmt: 'none' },
  'test_verify_registration_response.py::test_verifies_response_optional_user_presence': { outcome: 'accepted', fmt: 'none' },
  'test_verify_registration_response.py::test_supports_multiple_expected_origins': { outcome: 'accepted', fmt: 'none' },
  'test_verify_registration_response.py::test_raises_when_root_cert_invalid_for_response': {
    outcome: 'refused',
    refusal: 'attestation_invalid',
    detail: /trust anchor/,
    // py passes GlobalSign R2 (a Python expression, not in the data); any root that did not sign the chain serves.
    wrongPackedRoot: true,
  },
  'test_verify_registration_response.py::test_verifies_registration_over_cable': { outcome: 'accepted', fmt: 'none' },
  'test_verify_registration_response.py::test_supports_already_parsed_credential': { outcome: 'accepted', fmt: 'none' },
  'test_verify_registration_response.py::test_supports_dict_credential': { outcome: 'accepted', fmt: 'none' },
  'test_verify_registration_response.py::test_raises_useful_error_on_bad_attestation_object': {
    outcome: 'contract',
    path: 'response.attestationObject',
  },
  // Node 24's WebCrypto verifies ML-DSA, so the library accepts these keys when they are offered.
  ...Object.fromEntries(
    ['44', '65', '87'].map((n, i) => [
      `test_verify_registration_response.py::test_verify_pqc_ml_dsa_${n}_packed_response`,
      { outcome: 'accepted', fmt: 'none', algorithms: [-48 - i] } satisfies Decided,
    ]),
  ),
  'test_verify_registration_response_android_key.py::test_verify_attestation_android_key_hardware_authority': {
    outcome: 'accepted',
    fmt: 'android-key',
  },
  'test_verify_registration_response_apple.py::test_verify_attestation_apple_passkey': { outcome: 'accepted', fmt: 'apple' },
  'test_verify_registration_response_fido_u2f.py::test_verify_attestation_from_yubikey_firefox': { outcome: 'accepted', fmt: 'fido-u2f' },
  'test_verify_registration_response_fido_u2f.py::test_verify_attestation_from_fido_conformance': { outcome: 'accepted', fmt: 'fido-u2f' },
  'test_verify_registration_response_fido_u2f.py::test_verify_attestation_with_unsupported_token_binding_status': {
    outcome: 'accepted',
    fmt: 'fido-u2f',
    differsFromPy:
      'tokenBinding {status: "not-supported"} (a WebAuthn L1 value): L3 dropped Token Binding and the library accepts the legacy statuses',
  },
  'test_verify_registration_response_fido_u2f.py::test_verify_attestation_with_unsupported_token_binding': {
    outcome: 'refused',
    refusal: 'attestation_invalid',
    detail: /Unexpected value for TokenBinding "unused"/,
    differsFromPy:
      'tokenBinding is the string "unused" where the spec has a dictionary; the library refuses the malformed member, py ignores it',
  },
  'test_verify_registration_response_packed.py::test_verify_attestation_from_yubikey_firefox': { outcome: 'accepted', fmt: 'packed' },
  'test_verify_registration_response_packed.py::test_verify_attestation_with_okp_public_key': { outcome: 'accepted', fmt: 'packed' },
  'test_verify_registration_response_tpm.py::test_verify_attestation_surface_pro_4': {
    outcome: 'contract',
    path: 'response.clientDataJSON',
    differsFromPy: STANDARD_BASE64,
  },
  'test_verify_registration_response_tpm.py::test_verify_attestation_dell_xps_13': {
    outcome: 'contract',
    path: 'response.attestationObject',
    differsFromPy: STANDARD_BASE64,
  },
  'test_verify_registration_response_tpm.py::test_verify_attestation_lenovo_carbon_x1': {
    outcome: 'contract',
    path: 'response.clientDataJSON',
    differsFromPy: STANDARD_BASE64,
  },
  'test_verify_registration_response_tpm.py::test_verify_tpm_with_ecc_public_area_type': { outcome: 'accepted', fmt: 'tpm' },
};

async function run(c: PyRegistrationCase, credential: Record<string, unknown>, decided: Decided) {
  // py's credentials may omit clientExtensionResults; browsers always send it.
  const parsed = RegistrationResponseJSON.safeParse({ clientExtensionResults: {}, ...credential });
  if (!parsed.success) return { contract: parsed.error.issues[0]?.path.join('.') ?? '' } as const;
  return verifyRegistration({
    response: parsed.data,
    expectedChallenge: c.expectedChallenge,
    expectedOrigins: c.expectedOrigins,
    expectedRpId: c.expectedRpId,
    requireUserVerification: c.requireUserVerification,
    supportedAlgorithms: decided.algorithms ?? PY_ALGORITHMS,
  });
}

/** The same bytes in the encoding WebAuthn's JSON uses. */
function asBase64url(credential: Record<string, unknown>): Record<string, unknown> {
  const toUrl = (v: unknown) => Buffer.from(String(v), 'base64').toString('base64url');
  const response = credential.response as Record<string, unknown>;
  return {
    ...credential,
    id: toUrl(credential.id),
    rawId: toUrl(credential.rawId),
    response: { clientDataJSON: toUrl(response.clientDataJSON), attestationObject: toUrl(response.attestationObject) },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('py_webauthn registration cases', () => {
  it('every literal case has a decided outcome, and every decision a case', () => {
    expect(CASES.map((c) => c.key).sort()).toEqual(Object.keys(DECIDED).sort());
  });

  for (const c of CASES) {
    const decided = DECIDED[c.key];
    const label = decided ? (decided.outcome === 'refused' ? `refused (${decided.refusal})` : decided.outcome) : 'undecided';
    it(`${c.key} -> ${label}${decided?.differsFromPy ? ` (py: ${c.pyExpected})` : ''}`, async () => {
      if (!decided) throw new Error('undecided case');
      expect(decided.outcome === 'accepted', 'a disagreement with py_webauthn must be explained').toBe(
        decided.differsFromPy ? c.pyExpected !== 'success' : c.pyExpected === 'success',
      );
      // Real attestation certificates expire: check them at the time py_webauthn pins.
      if (c.validationTime) {
        vi.useFakeTimers({ toFake: ['Date'] });
        vi.setSystemTime(c.validationTime);
      }
      const saved = SettingsService.getRootCertificates({ identifier: 'packed' });
      if (decided.wrongPackedRoot)
        SettingsService.setRootCertificates({ identifier: 'packed', certificates: [loadW3cVectors().rootCaDer] });
      try {
        const result = await run(c, c.credential, decided);
        if (decided.outcome === 'contract') {
          expect(result).toEqual({ contract: decided.path });
        } else if (decided.outcome === 'refused') {
          expect(result).toMatchObject({ ok: false, reason: decided.refusal });
          expect('ok' in result && !result.ok ? result.detail : '').toMatch(decided.detail);
        } else {
          if (!('ok' in result) || !result.ok) throw new Error(`refused: ${JSON.stringify(result)}`);
          expect(result.credential.attestationFormat).toBe(decided.fmt);
          expect(result.credential.credentialId).toBe(c.credential.id);
        }
      } finally {
        SettingsService.setRootCertificates({ identifier: 'packed', certificates: saved });
      }
    });
  }

  it('the real TPMs verify once re-encoded as base64url, at a time their AIK certificates were valid', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2024-06-01T00:00:00Z'));
    const tpm = CASES.filter((c) => DECIDED[c.key]?.differsFromPy === STANDARD_BASE64);
    expect(tpm).toHaveLength(3);
    for (const c of tpm) {
      const result = await run(c, asBase64url(c.credential), { outcome: 'accepted', fmt: 'tpm' });
      expect(result, c.key).toMatchObject({ ok: true, credential: { attestationFormat: 'tpm' } });
    }
  });

  it('the same TPMs are refused today: their AIK certificates have expired', async () => {
    const c = CASES.find((x) => x.key.endsWith('test_verify_attestation_surface_pro_4'));
    if (!c) throw new Error('missing case');
    const result = await run(c, asBase64url(c.credential), { outcome: 'accepted', fmt: 'tpm' });
    expect(result).toMatchObject({ ok: false, reason: 'attestation_invalid' });
    expect('ok' in result && !result.ok ? result.detail : '').toMatch(/Certificate not good after/);
  });
});
