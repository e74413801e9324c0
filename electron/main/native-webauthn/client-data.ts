import { createHash } from 'node:crypto';

/**
 * The client data a browser would have made for the enrolment page (WebAuthn L3 §5.8.1), built in
 * main because here main is the client. The key signs its hash, and the server checks type,
 * challenge and origin exactly as it does for the page's ceremonies.
 */
export interface ClientData {
  json: Buffer;
  hash: Buffer;
}

export function clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string): ClientData {
  // Member order as browsers write it (type, challenge, origin, crossOrigin): a verifier that
  // pattern-matches the start of the JSON (the spec's limited verification) still accepts it.
  const json = Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
  return { json, hash: createHash('sha256').update(json).digest() };
}

/**
 * The RP ID a page of this origin may use (WebAuthn L3 §5.1.3 step 8, §5.1.4.1 step 7): the origin's
 * host or a parent domain of it. Without a public-suffix list a suffix such as `co.uk` is not
 * refused here; the server, which chose the RP ID, is the one that must not choose it.
 */
export function rpIdFor(requested: string | undefined, origin: string): string | null {
  const host = new URL(origin).hostname;
  const rpId = (requested ?? host).toLowerCase();
  if (rpId === host) return rpId;
  return rpId.includes('.') && host.endsWith(`.${rpId}`) ? rpId : null;
}
