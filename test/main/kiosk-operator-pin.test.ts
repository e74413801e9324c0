// Runs against the real OS keychain:
//   scripts/with-keyring.sh npx vitest run --project sqlite test/main/kiosk-operator-pin.test.ts
import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KeytarSecretStore, type SecretStore } from '../../electron/main/device/secret-store.js';
import {
  createOperatorAccess,
  createOperatorPinStore,
  OPERATOR_PIN_SERVICE,
  OPERATOR_UNLOCK_MS,
  PIN_LOCK_MS,
  type OperatorPinErrorCode,
} from '../../electron/main/kiosk/operator-pin.js';
import { requireKeychain } from '../support/require-keychain.js';

/**
 * Issue 12, "A locked-down window": leaving kiosk mode needs the operator's PIN,
 * kept as a salted hash in the keychain, with wrong tries limited across restarts.
 * Everything here is the real keychain; only the clock is ours to move.
 */
const store = new KeytarSecretStore();
const stations: string[] = [];

function station(): string {
  const id = `kiosk-test-${randomUUID()}`;
  stations.push(id);
  return id;
}

function clock(start = Date.parse('2026-12-04T08:00:00Z')) {
  let at = start;
  return { now: () => new Date(at), advance: (ms: number) => (at += ms) };
}

async function refusedWith(promise: Promise<unknown>): Promise<OperatorPinErrorCode | 'resolved'> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return (error as { code: OperatorPinErrorCode }).code;
  }
}

beforeAll(() => requireKeychain(store));

afterEach(async () => {
  for (const id of stations.splice(0)) {
    await store.delete(OPERATOR_PIN_SERVICE, `${id}:pin`).catch(() => undefined);
    await store.delete(OPERATOR_PIN_SERVICE, `${id}:attempts`).catch(() => undefined);
  }
});

describe('Leaving kiosk mode needs the operator: the PIN', () => {
  it('keeps only a salted scrypt hash in the keychain, never the PIN', async () => {
    const [first, second] = [station(), station()];
    await createOperatorPinStore({ store, account: first }).set('270419');
    await createOperatorPinStore({ store, account: second }).set('270419');
    const kept = [await store.get(OPERATOR_PIN_SERVICE, `${first}:pin`), await store.get(OPERATOR_PIN_SERVICE, `${second}:pin`)];
    for (const text of kept) {
      expect(text).not.toContain('270419');
      expect(JSON.parse(text ?? '{}')).toMatchObject({
        v: 1,
        N: 32768,
        r: 8,
        p: 1,
        salt: expect.any(String) as string,
        hash: expect.any(String) as string,
      });
    }
    const [a, b] = kept.map((text) => JSON.parse(text ?? '{}') as { salt: string; hash: string });
    // The same PIN on two stations: different salts, different hashes.
    expect(a?.salt).not.toBe(b?.salt);
    expect(a?.hash).not.toBe(b?.hash);
  });

  it('opens for the right PIN and counts the wrong ones', async () => {
    const pin = createOperatorPinStore({ store, account: station() });
    expect(await pin.isSet()).toBe(false);
    await pin.set('270419');
    expect(await pin.isSet()).toBe(true);
    expect(await pin.verify('270418')).toEqual({ ok: false, attemptsLeft: 4, lockedUntil: null });
    expect(await pin.verify('')).toEqual({ ok: false, attemptsLeft: 3, lockedUntil: null });
    expect(await pin.verify('270419')).toEqual({ ok: true });
    // A right PIN gives the operator a full count again.
    expect(await pin.verify('000001')).toEqual({ ok: false, attemptsLeft: 4, lockedUntil: null });
  });

  it('locks for 15 minutes after five wrong tries, even for the right PIN, and a restart does not reset it', async () => {
    const time = clock();
    const account = station();
    const pin = createOperatorPinStore({ store, account, now: time.now });
    await pin.set('270419');
    for (const left of [4, 3, 2, 1]) expect(await pin.verify('111112')).toEqual({ ok: false, attemptsLeft: left, lockedUntil: null });
    const lockedUntil = new Date(time.now().getTime() + PIN_LOCK_MS).toISOString();
    expect(await pin.verify('111112')).toEqual({ ok: false, attemptsLeft: 0, lockedUntil });
    expect(await pin.verify('270419')).toEqual({ ok: false, attemptsLeft: 0, lockedUntil });

    // The app quits and starts again: a new store, nothing shared but the keychain.
    time.advance(PIN_LOCK_MS - 1_000);
    const restarted = createOperatorPinStore({ store: new KeytarSecretStore(), account, now: time.now });
    expect(await restarted.verify('270419')).toEqual({ ok: false, attemptsLeft: 0, lockedUntil });

    time.advance(1_000);
    expect(await restarted.verify('270419')).toEqual({ ok: true });
  });

  it('gives a fresh five tries after the lock, not one', async () => {
    const time = clock();
    const pin = createOperatorPinStore({ store, account: station(), now: time.now });
    await pin.set('270419');
    for (let n = 0; n < 5; n += 1) await pin.verify('111112');
    time.advance(PIN_LOCK_MS);
    expect(await pin.verify('111112')).toEqual({ ok: false, attemptsLeft: 4, lockedUntil: null });
  });

  it('spends a try for each of several guesses sent at once', async () => {
    const pin = createOperatorPinStore({ store, account: station() });
    await pin.set('270419');
    const verdicts = await Promise.all(['111112', '111113', '111114', '111115', '111116', '270419'].map((guess) => pin.verify(guess)));
    expect(verdicts.map((verdict) => (verdict.ok ? 'ok' : verdict.attemptsLeft))).toEqual([4, 3, 2, 1, 0, 0]);
  });

  it('has the try counted in the keychain before the PIN is compared, so killing the app mid-check wins nothing', async () => {
    const account = station();
    await createOperatorPinStore({ store, account }).set('270419');
    const seenDuringCompare: (string | null)[] = [];
    // The real keychain, watched: when the PIN hash is read for the comparison, what does the count say?
    const watched: SecretStore = {
      get: async (service, entry) => {
        if (entry === `${account}:pin`) seenDuringCompare.push(await store.get(OPERATOR_PIN_SERVICE, `${account}:attempts`));
        return store.get(service, entry);
      },
      set: (service, entry, secret) => store.set(service, entry, secret),
      delete: (service, entry) => store.delete(service, entry),
    };
    await createOperatorPinStore({ store: watched, account }).verify('111112');
    expect(seenDuringCompare.map((text) => JSON.parse(text ?? 'null') as unknown)).toEqual([{ failures: 1, lockedUntil: null }]);
  });

  it('treats a hand-edited count as locked rather than as fresh tries', async () => {
    const account = station();
    const pin = createOperatorPinStore({ store, account });
    await pin.set('270419');
    await store.set(OPERATOR_PIN_SERVICE, `${account}:attempts`, '{"failures":-100}');
    expect(await pin.verify('270419')).toMatchObject({ ok: false, attemptsLeft: 0, lockedUntil: expect.any(String) as string });
  });

  it.each([
    ['fewer than six digits', '12345', 'pin_format'],
    ['letters', '27041a', 'pin_format'],
    ['full-width digits', '２７０４１９', 'pin_format'],
    ['spaces', '270 419', 'pin_format'],
    ['one digit repeated', '000000', 'pin_too_simple'],
    ['a run up', '123456', 'pin_too_simple'],
    ['a run down', '987654', 'pin_too_simple'],
    ['a run that wraps', '890123', 'pin_too_simple'],
  ])('refuses %s as a PIN', async (_label, value, code) => {
    const pin = createOperatorPinStore({ store, account: station() });
    expect(await refusedWith(pin.set(value))).toBe(code);
    expect(await pin.isSet()).toBe(false);
  });
});

describe('Leaving kiosk mode needs the operator: who may change the PIN', () => {
  it('lets the first operator set it, then only after the current PIN was entered', async () => {
    const time = clock();
    const access = createOperatorAccess(createOperatorPinStore({ store, account: station(), now: time.now }), time.now);
    expect(access.isUnlocked()).toBe(false);
    await access.operatorPin.set('270419');
    // A new hire at the station cannot replace it.
    expect(await refusedWith(access.operatorPin.set('555123'))).toBe('operator_required');
    expect((await access.operatorPin.verify('555123')).ok).toBe(false);
    expect(access.isUnlocked()).toBe(false);

    expect(await access.operatorPin.verify('270419')).toEqual({ ok: true });
    expect(access.isUnlocked()).toBe(true);
    await access.operatorPin.set('555123');
    expect(await access.operatorPin.verify('555123')).toEqual({ ok: true });
  });

  it('ends the unlock after two minutes, at the next reset, or at the next wrong PIN', async () => {
    const time = clock();
    const access = createOperatorAccess(createOperatorPinStore({ store, account: station(), now: time.now }), time.now);
    await access.operatorPin.set('270419');
    await access.operatorPin.verify('270419');
    time.advance(OPERATOR_UNLOCK_MS);
    expect(access.isUnlocked()).toBe(false);
    expect(await refusedWith(access.operatorPin.set('555123'))).toBe('operator_required');

    await access.operatorPin.verify('270419');
    access.relock();
    expect(access.isUnlocked()).toBe(false);

    await access.operatorPin.verify('270419');
    await access.operatorPin.verify('270410');
    expect(access.isUnlocked()).toBe(false);
  });
});
