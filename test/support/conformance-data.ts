import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * Loaders for the WebAuthn conformance data the project carries in
 * test/fixtures/conformance (its README.md gives sources and licences):
 * W3C WebAuthn L3 test vectors and py_webauthn's verify cases.
 */
export const CONFORMANCE_DIR = fileURLToPath(new URL('../fixtures/conformance/', import.meta.url));

const Bytes = z.object({ hex: z.string(), b64url: z.string() });

const W3cRegistration = z.looseObject({
  challenge: Bytes,
  credential_id: Bytes,
  aaguid: Bytes,
  clientDataJSON: Bytes,
  attestationObject: Bytes,
  credential_private_key: Bytes.optional(),
});

const W3cVectors = z.object({
  rpId: z.string(),
  origin: z.string(),
  vectors: z.array(
    z.looseObject({
      title: z.string(),
      anchor: z.string(),
      root: z.object({ attestation_ca_cert: Bytes }).optional(),
      registration: W3cRegistration.optional(),
    }),
  ),
});

export type W3cRegistration = z.infer<typeof W3cRegistration>;
export interface W3cVector {
  title: string;
  anchor: string;
  registration: W3cRegistration;
}

export function loadW3cVectors(): { rpId: string; origin: string; rootCaDer: Uint8Array<ArrayBuffer>; vectors: W3cVector[] } {
  const raw = W3cVectors.parse(JSON.parse(readFileSync(`${CONFORMANCE_DIR}w3c-webauthn-l3/l3-test-vectors.json`, 'utf8')));
  const root = raw.vectors.find((v) => v.root)?.root;
  if (!root) throw new Error('the vectors file has no attestation root');
  const vectors: W3cVector[] = [];
  for (const v of raw.vectors) {
    if (v.registration) vectors.push({ title: v.title, anchor: v.anchor, registration: v.registration });
  }
  return {
    rpId: raw.rpId,
    origin: raw.origin,
    rootCaDer: new Uint8Array(Buffer.from(root.attestation_ca_cert.hex, 'hex')),
    vectors,
  };
}

const PyCall = z.object({
  function: z.string(),
  kwargs: z.looseObject({
    credential: z.record(z.string(), z.unknown()),
    expected_challenge: z.object({ b64url: z.string() }),
    expected_origin: z.union([z.string(), z.array(z.string())]),
    expected_rp_id: z.string(),
    require_user_verification: z.boolean().optional(),
    supported_pub_key_algs: z.array(z.unknown()).optional(),
  }),
  expected: z.enum(['success', 'error']),
});

const PyCases = z.object({
  cases: z.array(
    z.object({
      file: z.string(),
      test: z.string(),
      calls: z.array(z.looseObject({ function: z.string() })),
      x509_validation_time: z.string().optional(),
    }),
  ),
});

export interface PyRegistrationCase {
  /** `file::test`: test names repeat across py_webauthn's files. */
  key: string;
  credential: Record<string, unknown>;
  expectedChallenge: string;
  expectedOrigins: string[];
  expectedRpId: string;
  requireUserVerification: boolean;
  pyExpected: 'success' | 'error';
  /** The time py_webauthn pins its certificate checks to, when it does. */
  validationTime?: Date;
}

function pyTime(value: string): Date {
  const [y = 0, mo = 1, d = 1, h = 0, mi = 0, s = 0] = value.split(',').map((p) => Number(p.trim()));
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

/** py_webauthn's verify_registration_response calls whose credential is literal data (not a Python expression). */
export function loadPyRegistrationCases(): PyRegistrationCase[] {
  const raw = PyCases.parse(JSON.parse(readFileSync(`${CONFORMANCE_DIR}py_webauthn/py_webauthn_verify_cases.json`, 'utf8')));
  const out: PyRegistrationCase[] = [];
  for (const c of raw.cases) {
    for (const rawCall of c.calls) {
      if (rawCall.function !== 'verify_registration_response') continue;
      const call = PyCall.parse(rawCall);
      if (typeof call.kwargs.credential.id !== 'string') continue;
      out.push({
        key: `${c.file.replace(/^tests\//, '')}::${c.test}`,
        credential: call.kwargs.credential,
        expectedChallenge: call.kwargs.expected_challenge.b64url,
        expectedOrigins: [call.kwargs.expected_origin].flat(),
        expectedRpId: call.kwargs.expected_rp_id,
        requireUserVerification: call.kwargs.require_user_verification ?? false,
        pyExpected: call.expected,
        ...(c.x509_validation_time ? { validationTime: pyTime(c.x509_validation_time) } : {}),
      });
    }
  }
  return out;
}
