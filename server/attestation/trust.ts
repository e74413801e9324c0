import type { X509Certificate } from 'node:crypto';
import { convertAAGUIDToString, decodeAttestationObject, parseAuthenticatorData } from '@simplewebauthn/server/helpers';
import { z } from 'zod';
import { chainToAnchor, parseCertificates } from './chain.js';
import { isPlatformModel, normaliseAaguid, type MetadataCatalogue } from './mds-blob.js';

/**
 * Decides whether a registration's attestation says which authenticator made
 * it, by chaining its attestation certificates to an anchor the operator
 * trusts: a root the FIDO metadata lists for that AAGUID, or an extra anchor
 * from configuration.
 *
 * Call it only for a registration whose attestation statement has already been
 * verified (server/webauthn/registration.ts does that through
 * @simplewebauthn/server): this module checks who vouches for the attestation
 * key, not the signature that key made over the registration.
 */

export type AttestationTrustReason = 'self_or_none' | 'no_metadata' | 'chain_ok' | 'chain_broken' | 'compromised' | 'zero_aaguid';

export interface AttestationAssessment {
  trusted: boolean;
  reason: AttestationTrustReason;
  /** The model's name from the metadata, when the AAGUID is listed. Unattested AAGUIDs are claims: the name is for display only. */
  authenticatorName: string | null;
}

export interface AssessAttestationInput {
  /** Attestation statement format: 'packed', 'tpm', 'none', ... */
  fmt: string;
  /** The attestation certificates as DER, leaf (the attestation certificate) first; empty for none and self attestation. */
  x5c: readonly Uint8Array[];
  aaguid: string;
  /** The verified metadata BLOB, or null when the operator configured none. */
  catalogue: MetadataCatalogue | null;
  /** Anchors the operator trusts for any AAGUID, in addition to the metadata's (e.g. a test CA). */
  extraAnchors?: readonly X509Certificate[];
  now: Date;
}

export const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

/**
 * The order of the checks matters and is part of the contract:
 * 1. an all-zero AAGUID names no model, so nothing can be looked up or trusted;
 * 2. a model the metadata reports compromised is refused whatever its attestation
 *    (even an unattested claim: nobody benefits from falsely claiming a revoked model);
 * 3. no attestation certificates (fmt none, or packed self attestation) proves nothing;
 * 4. a fido-u2f statement does not cover the AAGUID, so it cannot vouch for one;
 * 5. otherwise the chain must reach an anchor listed for the AAGUID or an extra anchor
 *    ('no_metadata' when there is no anchor at all to try).
 */
export function assessAttestation(input: AssessAttestationInput): AttestationAssessment {
  const aaguid = normaliseAaguid(input.aaguid);
  if (aaguid === ZERO_AAGUID) return { trusted: false, reason: 'zero_aaguid', authenticatorName: null };

  const entry = input.catalogue?.lookup(aaguid);
  const authenticatorName = entry?.name ?? null;
  if (input.catalogue?.isCompromised(aaguid)) return { trusted: false, reason: 'compromised', authenticatorName };

  if (input.fmt === 'none' || input.x5c.length === 0) return { trusted: false, reason: 'self_or_none', authenticatorName };

  // WebAuthn L3 §8.6: a fido-u2f attestation signs the credential and RP, not the authenticator
  // data, so its chain cannot vouch for an AAGUID (U2F devices send all zeros, refused above).
  if (input.fmt === 'fido-u2f') return { trusted: false, reason: 'chain_broken', authenticatorName };

  const anchors = [...(entry?.roots ?? []), ...(input.extraAnchors ?? [])];
  if (anchors.length === 0) return { trusted: false, reason: 'no_metadata', authenticatorName };

  let chain: X509Certificate[];
  try {
    chain = parseCertificates(input.x5c);
  } catch {
    return { trusted: false, reason: 'chain_broken', authenticatorName };
  }
  const checked = chainToAnchor(chain, anchors, input.now);
  return checked.ok
    ? { trusted: true, reason: 'chain_ok', authenticatorName }
    : { trusted: false, reason: 'chain_broken', authenticatorName };
}

export interface AttestationChain {
  fmt: string;
  /** Lower-case, dashed; all zero when the authenticator sent none. */
  aaguid: string;
  /** DER certificates, attestation certificate first; empty when the statement carries none. */
  x5c: Uint8Array[];
}

// android-safetynet (WebAuthn L2 §8.5) carries its chain in the x5c header of the JWS in attStmt.response.
const SafetyNetHeader = z.object({ x5c: z.array(z.string().min(1)).min(1) });

function safetyNetChain(response: Uint8Array | undefined): Uint8Array[] {
  if (!response) return [];
  const headerPart = new TextDecoder().decode(response).split('.')[0];
  if (!headerPart) return [];
  try {
    const parsed = SafetyNetHeader.safeParse(JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data.x5c.map((b64) => new Uint8Array(Buffer.from(b64, 'base64'))) : [];
  } catch {
    return [];
  }
}

/**
 * Extracts what assessAttestation needs from a registration's attestationObject
 * (CBOR: fmt, attStmt, authData). Throws on an object that cannot be decoded or
 * whose authenticator data carries no attested credential data.
 */
export function attestationChainFromObject(attestationObject: Uint8Array): AttestationChain {
  const decoded = decodeAttestationObject(new Uint8Array(attestationObject));
  const fmt = decoded.get('fmt');
  const statement = decoded.get('attStmt');
  const authData = parseAuthenticatorData(decoded.get('authData'));
  if (!authData.aaguid) throw new Error('the attestation object has no attested credential data (no AAGUID)');
  const x5c =
    fmt === 'android-safetynet' ? safetyNetChain(statement.get('response')) : (statement.get('x5c') ?? []).map((c) => new Uint8Array(c));
  return { fmt, aaguid: normaliseAaguid(convertAAGUIDToString(authData.aaguid)), x5c };
}

/** What the policy engine's AttestationJudge (server/policy/evaluate.ts) returns, plus the reason for audit lines. */
export interface AttestationVerdict {
  trusted: boolean;
  compromised: boolean;
  authenticatorName: string | null;
  reason: AttestationTrustReason;
  /** Present (true) when the metadata of the AAGUID the authenticator data names describes a platform authenticator. */
  platformAuthenticator?: true;
}

export interface AttestationJudgeOptions {
  /** Read on every call, so a reloaded BLOB takes effect without rebuilding the judge. */
  catalogue: () => MetadataCatalogue | null;
  extraAnchors?: readonly X509Certificate[];
  clock: { now(): Date };
}

/**
 * An AttestationJudge for the policy engine: give it the verified registration
 * (its attestationObject and AAGUID as the library reported them).
 * An attestation object that cannot be decoded is judged untrusted, never thrown.
 */
export function createAttestationJudge(
  options: AttestationJudgeOptions,
): (registration: { attestationObject: Uint8Array; aaguid: string }) => Promise<AttestationVerdict> {
  return (registration) => {
    let found: AttestationChain;
    try {
      found = attestationChainFromObject(registration.attestationObject);
    } catch {
      found = { fmt: 'none', aaguid: normaliseAaguid(registration.aaguid), x5c: [] };
    }
    const catalogue = options.catalogue();
    const assessment = assessAttestation({
      fmt: found.fmt,
      x5c: found.x5c,
      aaguid: found.aaguid,
      catalogue,
      ...(options.extraAnchors ? { extraAnchors: options.extraAnchors } : {}),
      now: options.clock.now(),
    });
    // The AAGUID is the authenticator's own word, trusted or not: enough to refuse, never to admit.
    const platform = isPlatformModel(catalogue?.lookup(found.aaguid));
    return Promise.resolve({
      ...assessment,
      compromised: assessment.reason === 'compromised',
      ...(platform ? { platformAuthenticator: true as const } : {}),
    });
  };
}
