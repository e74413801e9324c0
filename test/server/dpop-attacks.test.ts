import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplayCache } from '../../server/dpop/replay-cache.js';
import { openTestDatabase, type TestDatabase } from '../support/test-database.js';
import { accessTokenHash, DEFAULT_PROOF_WINDOW, verifyDpopProof, type ProofCheck } from '../../server/dpop/verify-proof.js';
import { Forger, newJti } from '../support/attack-kit.js';
import { startSweeper, sweepExpiredProofs } from '../../server/enrolment/sweeper.js';
import { testConfig } from '../support/service-harness.js';

/** The proof identifiers seen, in the database every instance shares (one store for the file: every proof has its own jti). */
let database: TestDatabase;
let replay: ReplayCache;
beforeAll(async () => {
  database = await openTestDatabase();
  replay = new ReplayCache(database.db);
});
afterAll(() => database.close());

/**
 * What an attacker tries against DPoP proofs (RFC 9449 section 4.3), one check each, straight at
 * the verifier: every refusal is `dpop_invalid`, with the reason the server logs and answers.
 */

const URL_ = 'https://enrol.test.example/v1/sessions/current';
/** A whole second, so "now" in seconds is exact. */
const NOW_MS = Date.parse('2026-03-02T09:00:00.000Z');
const NOW = NOW_MS / 1000;

function check(proof: string | undefined, over: Partial<ProofCheck> = {}): ProofCheck {
  return { proof, method: 'GET', url: URL_, now: new Date(NOW_MS), ...over };
}

/** The claims an honest client sends for GET URL_ at NOW, with `over` replacing or adding members. */
function claims(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { jti: newJti(), htm: 'GET', htu: URL_, iat: NOW, ...over };
}

async function refused(pending: Promise<unknown>, reason: RegExp): Promise<void> {
  await expect(pending).rejects.toMatchObject({
    name: 'ApiFailure',
    code: 'dpop_invalid',
    message: expect.stringMatching(reason) as unknown,
  });
}

describe('DPoP proofs an attacker forges', () => {
  it('accepts an honest proof and returns the thumbprint of the key that signed it', async () => {
    const key = await Forger.es256();
    const other = await Forger.es256();
    const jkt = await verifyDpopProof(check(await key.sign(claims())), replay);
    expect(jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await verifyDpopProof(check(await key.sign(claims())), replay)).toBe(jkt);
    expect(await verifyDpopProof(check(await other.sign(claims())), replay)).not.toBe(jkt);
  });

  it('refuses a JWT with typ JWT signed by the device key: no other token of that key passes as a proof', async () => {
    const key = await Forger.es256();
    await refused(verifyDpopProof(check(await key.sign(claims(), { typ: 'JWT' })), replay), /wrong typ/);
    await refused(verifyDpopProof(check(await key.sign(claims(), { typ: undefined })), replay), /wrong typ/);
  });

  it('refuses an HS256 proof that carries its own symmetric key in the header (jwk of kty oct)', async () => {
    const forger = Forger.hs256();
    await refused(verifyDpopProof(check(await forger.sign(claims())), replay), /algorithm is not accepted/);
  });

  it('refuses an RS256 proof: only the algorithms on the allow-list are accepted', async () => {
    const forger = await Forger.rs256();
    await refused(verifyDpopProof(check(await forger.sign(claims())), replay), /algorithm is not accepted/);
  });

  it('refuses an unsigned proof (alg none)', async () => {
    const key = await Forger.es256();
    const header = Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'none', jwk: key.jwk })).toString('base64url');
    const body = Buffer.from(JSON.stringify(claims())).toString('base64url');
    await refused(verifyDpopProof(check(`${header}.${body}.`), replay), /algorithm is not accepted/);
  });

  it('refuses a proof with no key, a key that is not an object, or a private key in the header', async () => {
    const key = await Forger.es256();
    await refused(verifyDpopProof(check(await key.sign(claims(), { jwk: undefined })), replay), /must carry a public JWK/);
    await refused(verifyDpopProof(check(await key.sign(claims(), { jwk: 'a-key-id' })), replay), /must carry a public JWK/);
    const withPrivate = { ...key.jwk, d: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' };
    await refused(verifyDpopProof(check(await key.sign(claims(), { jwk: withPrivate })), replay), /must carry a public JWK/);
  });

  it("refuses a proof whose header names someone else's public key: the signature must be by the key in the header", async () => {
    const attacker = await Forger.es256();
    const victim = await Forger.es256();
    const proof = await attacker.sign(claims(), { jwk: victim.jwk });
    await refused(verifyDpopProof(check(proof), replay), /signature does not verify/);
    // A valid proof with its signature swapped for another proof's.
    const [h, p] = (await victim.sign(claims())).split('.');
    const [, , s] = (await attacker.sign(claims())).split('.');
    await refused(verifyDpopProof(check(`${h}.${p}.${s}`), replay), /signature does not verify/);
  });

  it('refuses no proof, an empty one, two proofs in one header, and strings that are not a JWT', async () => {
    const key = await Forger.es256();
    const one = await key.sign(claims());
    await refused(verifyDpopProof(check(undefined), replay), /single DPoP proof is required/);
    await refused(verifyDpopProof(check(''), replay), /single DPoP proof is required/);
    await refused(verifyDpopProof(check(`${one},${await key.sign(claims())}`), replay), /single DPoP proof is required/);
    await refused(verifyDpopProof(check(`${one}.${one.split('.')[2]}`), replay), /single DPoP proof is required/);
    await refused(verifyDpopProof(check('abc.def'), replay), /single DPoP proof is required/);
    await refused(verifyDpopProof(check('!!!.@@@.###'), replay), /not a JWT/);
  });

  it('refuses garbage claims: missing jti, a short jti, non-string htm, no htu, iat not a number, a fractional iat, no claims at all', async () => {
    const key = await Forger.es256();
    const cases: [unknown, RegExp][] = [
      [claims({ jti: undefined }), /claims are malformed \(jti\)/],
      [claims({ jti: 'short' }), /claims are malformed \(jti\)/],
      [claims({ htm: ['GET'] }), /claims are malformed \(htm\)/],
      [claims({ htm: 7 }), /claims are malformed \(htm\)/],
      [claims({ htu: undefined }), /claims are malformed \(htu\)/],
      [claims({ htu: 'not a url' }), /claims are malformed \(htu\)/],
      [claims({ iat: String(NOW) }), /claims are malformed \(iat\)/],
      [claims({ iat: NOW + 0.5 }), /claims are malformed \(iat\)/],
      [claims({ iat: null }), /claims are malformed \(iat\)/],
      [claims({ ath: 12 }), /claims are malformed \(ath\)/],
      [null, /claims are malformed \(\)/],
      ['GET https://enrol.test.example/', /claims are malformed \(\)/],
    ];
    for (const [payload, reason] of cases) await refused(verifyDpopProof(check(await key.sign(payload)), replay), reason);
  });

  it('refuses a proof made for another method or URL, but ignores query and fragment', async () => {
    const key = await Forger.es256();
    await refused(verifyDpopProof(check(await key.sign(claims({ htm: 'POST' }))), replay), /another method/);
    await refused(verifyDpopProof(check(await key.sign(claims({ htm: 'get' }))), replay), /another method/);
    await refused(verifyDpopProof(check(await key.sign(claims({ htu: 'https://enrol.test.example/v1/sessions' }))), replay), /another URL/);
    await refused(
      verifyDpopProof(check(await key.sign(claims({ htu: 'https://evil.example/v1/sessions/current' }))), replay),
      /another URL/,
    );
    await expect(verifyDpopProof(check(await key.sign(claims({ htu: `${URL_}?x=1#y` }))), replay)).resolves.toBeTypeOf('string');
  });

  it('accepts iat exactly at both edges of the window, and refuses it one second past either edge', async () => {
    const key = await Forger.es256();
    const { maxAgeSeconds, futureSkewSeconds } = DEFAULT_PROOF_WINDOW;
    expect({ maxAgeSeconds, futureSkewSeconds }).toEqual({ maxAgeSeconds: 60, futureSkewSeconds: 5 });
    const at = async (iat: number, nowMs = NOW_MS) =>
      verifyDpopProof(check(await key.sign(claims({ iat })), { now: new Date(nowMs) }), replay);
    await expect(at(NOW - 60)).resolves.toBeTypeOf('string');
    await refused(at(NOW - 61), /too old/);
    await expect(at(NOW + 5)).resolves.toBeTypeOf('string');
    await refused(at(NOW + 6), /in the future/);
    // Inside a second the server's clock counts whole seconds: 999 ms past the edge is still the edge.
    await expect(at(NOW - 60, NOW_MS + 999)).resolves.toBeTypeOf('string');
    await expect(at(NOW + 5, NOW_MS + 999)).resolves.toBeTypeOf('string');
    await refused(at(NOW + 6, NOW_MS + 999), /in the future/);
  });

  it('honours a narrower window passed by the caller', async () => {
    const key = await Forger.es256();
    const window = { maxAgeSeconds: 10, futureSkewSeconds: 0 };
    await refused(verifyDpopProof(check(await key.sign(claims({ iat: NOW - 11 }))), replay, window), /too old/);
    await refused(verifyDpopProof(check(await key.sign(claims({ iat: NOW + 1 }))), replay, window), /in the future/);
    await expect(verifyDpopProof(check(await key.sign(claims({ iat: NOW - 10 }))), replay, window)).resolves.toBeTypeOf('string');
  });

  it('refuses a replay at 57 s, and at the very last moment the proof could still be accepted', async () => {
    const key = await Forger.es256();
    const cache = replay;
    const proof = await key.sign(claims());
    await verifyDpopProof(check(proof), cache);
    await refused(verifyDpopProof(check(proof, { now: new Date(NOW_MS + 57_000) }), cache), /already used/);
    // A proof dated at the far edge of the future skew lives longest: until iat + 60 s, to the last millisecond.
    const late = await key.sign(claims({ iat: NOW + 5 }));
    await verifyDpopProof(check(late), cache);
    await refused(verifyDpopProof(check(late, { now: new Date(NOW_MS + 65_999) }), cache), /already used/);
    // And once it is too old, it is refused for its age, not remembered for ever.
    await refused(verifyDpopProof(check(late, { now: new Date(NOW_MS + 66_000) }), cache), /too old/);
  });

  it('remembers a proof per key: the same jti from another key is another proof', async () => {
    const a = await Forger.es256();
    const b = await Forger.es256();
    const cache = replay;
    const jti = newJti();
    await verifyDpopProof(check(await a.sign(claims({ jti }))), cache);
    await expect(verifyDpopProof(check(await b.sign(claims({ jti }))), cache)).resolves.toBeTypeOf('string');
    await refused(verifyDpopProof(check(await a.sign(claims({ jti }))), cache), /already used/);
  });

  it("binds the session token: refuses a proof without the token's hash or with another token's, accepts without a token", async () => {
    const key = await Forger.es256();
    const token = 'session-token-of-the-victim';
    await refused(verifyDpopProof(check(await key.sign(claims()), { accessToken: token }), replay), /not for this token/);
    await refused(
      verifyDpopProof(check(await key.sign(claims({ ath: accessTokenHash('other') })), { accessToken: token }), replay),
      /not for this token/,
    );
    await expect(
      verifyDpopProof(check(await key.sign(claims({ ath: accessTokenHash(token) })), { accessToken: token }), replay),
    ).resolves.toBeTypeOf('string');
    // The empty string is a token too: it is not "no token".
    await refused(verifyDpopProof(check(await key.sign(claims()), { accessToken: '' }), replay), /not for this token/);
    expect(accessTokenHash('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });
});

describe('the replay cache under pressure', () => {
  it('keeps an entry until its expiry, to the millisecond, then lets the key be used again', async () => {
    expect(await replay.remember('k', 1_000, 0)).toBe(true);
    expect(await replay.remember('k', 5_000, 999)).toBe(false);
    expect(await replay.remember('k', 2_000, 1_000)).toBe(true);
    expect(await replay.remember('k', 3_000, 1_999)).toBe(false);
    expect(await replay.remember('other', 3_000, 1_999)).toBe(true);
  });

  it('two uses of one proof racing each other: exactly one wins', async () => {
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => replay.remember('raced', 65_000, 0)));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
  });

  it('flooding it with thousands of fresh proofs does not evict one that is still live', async () => {
    expect(await replay.remember('victim', 65_000, 0)).toBe(true);
    for (let i = 0; i < 3000; i++) expect(await replay.remember(`flood-${i}`, i < 1500 ? 10 : 65_000, i < 1500 ? 0 : 20)).toBe(true);
    expect(await replay.remember('victim', 65_000, 30)).toBe(false);
    expect(await replay.remember('flood-2999', 65_000, 30)).toBe(false);
    // The expired half of the flood is free again.
    expect(await replay.remember('flood-0', 65_000, 30)).toBe(true);
  });
});

describe('the replay cache against a flood of proofs (storage exhaustion)', () => {
  /** How many proof ids the store holds: the space a flood of proofs costs the server. */
  const held = async (): Promise<number> => (await database.db.selectFrom('dpop_proofs').select('key').execute()).length;

  it('the sweep forgets proofs once they are too old to be accepted, and keeps every live one', async () => {
    const fresh = await openTestDatabase();
    const store = new ReplayCache(fresh.db);
    for (let i = 0; i < 500; i++) await store.remember(`old-${i}`, 20, 0);
    await store.remember('live', 65_000, 0);
    const clock = { now: () => new Date(20) };
    // An entry expiring exactly now is expired too.
    expect(await sweepExpiredProofs({ db: fresh.db, clock })).toBe(500);
    expect(await fresh.db.selectFrom('dpop_proofs').select('key').execute()).toEqual([{ key: 'live' }]);
    expect(await store.remember('live', 65_000, 30)).toBe(false);
    await fresh.close();
  });

  it('the server sweeps on its own while it runs', async () => {
    const before = await held();
    expect(before).toBeGreaterThan(0);
    const clock = { now: () => new Date(Date.parse('2100-01-01T00:00:00Z')) };
    const sweeper = startSweeper({ db: database.db, clock, config: testConfig() }, 10, (error) => {
      throw error;
    });
    await expect.poll(held, { timeout: 5000 }).toBe(0);
    sweeper.stop();
  });
});
