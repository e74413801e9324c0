import { generateKeyPairSync, sign } from 'node:crypto';
import { calculateJwkThumbprint, CompactSign, exportJWK, generateKeyPair, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { DeviceKeyCache } from '../../server/dpop/public-keys.js';
import { verifyDpopProof, type ProofCheck } from '../../server/dpop/verify-proof.js';

/**
 * The DPoP verifier's own reading of JWKs and compact JWS (it no longer goes through jose), checked
 * against jose as the second opinion: the same thumbprints, the same proofs accepted.
 */

const URL_ = 'https://enrol.test.example/v1/sessions/current';
const NOW_MS = Date.parse('2026-03-02T09:00:00.000Z');
const check = (proof: string): ProofCheck => ({ proof, method: 'GET', url: URL_, now: new Date(NOW_MS) });
const claims = () => ({ jti: crypto.randomUUID(), htm: 'GET', htu: URL_, iat: NOW_MS / 1000 });
const memory = { remember: () => Promise.resolve(true) };

async function es256(): Promise<{ jwk: JWK; sign: (payload: unknown, header?: Record<string, unknown>) => Promise<string> }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return {
    jwk,
    sign: (payload, header = {}) =>
      new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk, ...header })
        .sign(privateKey),
  };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('device keys from DPoP headers', () => {
  it("gives jose's RFC 7638 thumbprint for the same key, whatever else the JWK carries", async () => {
    for (let i = 0; i < 20; i++) {
      const { jwk } = await es256();
      const expected = await calculateJwkThumbprint(jwk, 'sha256');
      expect(new DeviceKeyCache().read({ ...jwk, alg: 'ES256', use: 'sig', kid: 'k1' })?.jkt).toBe(expected);
    }
  });

  it('reads only P-256 keys with canonical 32-byte coordinates that lie on the curve', async () => {
    const { jwk } = await es256();
    const cache = new DeviceKeyCache();
    const x = Buffer.from(jwk.x!, 'base64url');
    const offCurve = Buffer.from(jwk.y!, 'base64url');
    offCurve[31] = (offCurve[31] ?? 0) ^ 1;
    const lastChar = jwk.x!.at(-1)!;
    const nonCanonical = jwk.x!.slice(0, -1) + String.fromCharCode(lastChar.charCodeAt(0) + 1);
    expect(cache.read(jwk as Record<string, unknown>)).not.toBeNull();
    for (const bad of [
      { ...jwk, crv: 'P-384' },
      { ...jwk, kty: 'OKP' },
      { ...jwk, x: undefined },
      { ...jwk, x: 12 },
      { ...jwk, x: x.subarray(1).toString('base64url') },
      { ...jwk, x: Buffer.concat([Buffer.from([0]), x]).toString('base64url') },
      { ...jwk, x: `${jwk.x!}=` },
      { ...jwk, x: x.toString('base64') },
      { ...jwk, y: offCurve.toString('base64url') },
    ]) {
      expect(cache.read(bad as Record<string, unknown>)).toBeNull();
    }
    // The same 32 bytes spelt with a used unused bit: a second thumbprint for one key, were it read.
    expect(Buffer.from(nonCanonical, 'base64url').equals(x)).toBe(true);
    expect(cache.read({ ...jwk, x: nonCanonical })).toBeNull();
  });

  it('holds at most its capacity, dropping the key used longest ago', async () => {
    const cache = new DeviceKeyCache(3);
    const jwks = await Promise.all(Array.from({ length: 4 }, async () => (await es256()).jwk as Record<string, unknown>));
    const [a, b, c] = jwks.slice(0, 3).map((jwk) => cache.read(jwk)!.key);
    expect(cache.read(jwks[0]!)!.key).toBe(a); // a hit, and now the most recent
    cache.read(jwks[3]!); // evicts b, the least recently used
    expect(cache.size).toBe(3);
    expect(cache.read(jwks[0]!)!.key).toBe(a);
    expect(cache.read(jwks[2]!)!.key).toBe(c);
    expect(cache.read(jwks[1]!)!.key).not.toBe(b); // imported again
  });
});

describe('the DPoP verifier reading compact JWS itself', () => {
  it('accepts what jose signs, and returns the thumbprint jose computes', async () => {
    const key = await es256();
    expect(await verifyDpopProof(check(await key.sign(claims())), memory)).toBe(await calculateJwkThumbprint(key.jwk, 'sha256'));
  });

  /** Signs with node:crypto, for what jose will not sign: DER signatures, unknown critical extensions. */
  function rawProof(header: Record<string, unknown>, encoding: 'der' | 'ieee-p1363' = 'ieee-p1363'): string {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const input = `${b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: publicKey.export({ format: 'jwk' }), ...header })}.${b64(claims())}`;
    return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: encoding }).toString('base64url')}`;
  }

  it('refuses a DER signature: JWS ES256 is r || s (RFC 7518 section 3.4)', async () => {
    await expect(verifyDpopProof(check(rawProof({})), memory)).resolves.toBeTypeOf('string');
    await expect(verifyDpopProof(check(rawProof({}, 'der')), memory)).rejects.toThrow(/signature does not verify/);
  });

  it('refuses a proof that marks a JWS extension critical (RFC 7515 section 4.1.11)', async () => {
    await expect(verifyDpopProof(check(rawProof({ crit: ['exp'], exp: 1 })), memory)).rejects.toThrow(/signature does not verify/);
  });

  it('refuses a signed payload that is not JSON as malformed claims, not as a server error', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const proof = await new CompactSign(new TextEncoder().encode('not json'))
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: await exportJWK(publicKey) })
      .sign(privateKey);
    await expect(verifyDpopProof(check(proof), memory)).rejects.toMatchObject({
      code: 'dpop_invalid',
      message: expect.stringMatching(/claims are malformed/) as unknown,
    });
  });

  it('refuses a header or signature with characters outside base64url', async () => {
    const key = await es256();
    const [h, p, s] = (await key.sign(claims())).split('.');
    const std = (x: string) => `${x.replace(/-/g, '+').replace(/_/g, '/')}+`;
    await expect(verifyDpopProof(check(`${h}.${p}.${std(s!)}`), memory)).rejects.toThrow(/signature does not verify/);
    await expect(verifyDpopProof(check(`${std(h!)}.${p}.${s}`), memory)).rejects.toThrow(/not a JWT/);
    await expect(verifyDpopProof(check(`${b64([1, 2])}.${p}.${s}`), memory)).rejects.toThrow(/not a JWT/);
  });
});
