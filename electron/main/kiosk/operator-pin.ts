// The kiosk operator's PIN: what it takes to leave kiosk mode or change the PIN.
// Plain Node over the SecretStore, so it is tested against the real keychain.
//
// Only a salted scrypt hash is kept, and the count of wrong tries and the lock
// live in the keychain beside it, so quitting and restarting the app does not
// hand out fresh tries.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { CodedError } from '../../../api/coded-error.js';
import type { SecretStore } from '../device/secret-store.js';

export const OPERATOR_PIN_SERVICE = 'FirstKey Kiosk Operator';
export const MIN_PIN_DIGITS = 6;
export const MAX_PIN_DIGITS = 32;
export const MAX_PIN_FAILURES = 5;
export const PIN_LOCK_MS = 15 * 60_000;
/** How long one successful verify lets the operator change the PIN or leave kiosk mode. */
export const OPERATOR_UNLOCK_MS = 2 * 60_000;

// About 100 ms and 32 MiB per try on a station: cheap for the operator, slow for
// anyone who copied the keychain entry and tries all million six-digit PINs.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLength: 32, maxmem: 64 * 1024 * 1024 } as const;

export type OperatorPinErrorCode =
  /** Not 6 to 32 digits. */
  | 'pin_format'
  /** One digit repeated, or a run such as 123456 or 987654. */
  | 'pin_too_simple'
  /** Changing the PIN or leaving kiosk mode without the operator having just entered it. */
  | 'operator_required';

export class OperatorPinError extends CodedError<OperatorPinErrorCode> {}

export type PinVerdict = { ok: true } | { ok: false; attemptsLeft: number; lockedUntil: string | null };

export interface OperatorPin {
  isSet(): Promise<boolean>;
  set(pin: string): Promise<void>;
  verify(pin: string): Promise<PinVerdict>;
}

interface PinRecord {
  v: 1;
  N: number;
  r: number;
  p: number;
  salt: string;
  hash: string;
}

interface AttemptsRecord {
  failures: number;
  lockedUntil: string | null;
}

function derive(pin: string, salt: Buffer, params: Pick<PinRecord, 'N' | 'r' | 'p'>, keyLength: number): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: SCRYPT.maxmem };
  return new Promise((resolve, reject) => {
    scrypt(pin.normalize('NFKC'), salt, keyLength, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/** Refuses a PIN an onlooker or a guesser would try first. */
export function checkPinFormat(pin: string): void {
  if (!new RegExp(`^[0-9]{${MIN_PIN_DIGITS},${MAX_PIN_DIGITS}}$`).test(pin)) {
    throw new OperatorPinError('pin_format', `the operator PIN must be ${MIN_PIN_DIGITS} to ${MAX_PIN_DIGITS} digits`);
  }
  const digits = Array.from({ length: pin.length }, (_, index) => pin.charCodeAt(index) - 48);
  const steps = new Set(digits.slice(1).map((digit, index) => (digit - (digits[index] ?? 0) + 10) % 10));
  if (steps.size === 1 && (steps.has(0) || steps.has(1) || steps.has(9))) {
    throw new OperatorPinError('pin_too_simple', 'the operator PIN must not be one digit repeated or a run of digits');
  }
}

function parsePinRecord(text: string): PinRecord | null {
  try {
    const value = JSON.parse(text) as Partial<PinRecord>;
    const ok =
      value.v === 1 &&
      Number.isInteger(value.N) &&
      Number.isInteger(value.r) &&
      Number.isInteger(value.p) &&
      typeof value.salt === 'string' &&
      typeof value.hash === 'string';
    return ok ? (value as PinRecord) : null;
  } catch {
    return null;
  }
}

function parseAttempts(text: string): AttemptsRecord | null {
  try {
    const value = JSON.parse(text) as Partial<AttemptsRecord>;
    const lockedUntil = value.lockedUntil;
    if (!Number.isInteger(value.failures) || (value.failures ?? -1) < 0) return null;
    if (lockedUntil !== null && (typeof lockedUntil !== 'string' || Number.isNaN(Date.parse(lockedUntil)))) return null;
    return { failures: value.failures ?? 0, lockedUntil: lockedUntil ?? null };
  } catch {
    return null;
  }
}

export interface OperatorPinStoreOptions {
  store: SecretStore;
  /** One station's entries: the installation id (the enrolment origin's host), as for the device key. */
  account: string;
  now?: () => Date;
}

/**
 * The PIN itself: set, verify, and the limit on wrong tries. It does not decide
 * who may set it; {@link createOperatorAccess} does.
 */
export function createOperatorPinStore(options: OperatorPinStoreOptions): OperatorPin {
  const { store } = options;
  const now = options.now ?? (() => new Date());
  const pinAccount = `${options.account}:pin`;
  const attemptsAccount = `${options.account}:attempts`;
  // One verify at a time: two at once would both read the same count and share a try.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  async function readAttempts(): Promise<AttemptsRecord> {
    const text = await store.get(OPERATOR_PIN_SERVICE, attemptsAccount);
    if (text === null) return { failures: 0, lockedUntil: null };
    // An entry someone edited by hand is not a reason to hand out fresh tries: it counts as locked.
    return parseAttempts(text) ?? { failures: MAX_PIN_FAILURES, lockedUntil: new Date(now().getTime() + PIN_LOCK_MS).toISOString() };
  }

  const writeAttempts = (record: AttemptsRecord) => store.set(OPERATOR_PIN_SERVICE, attemptsAccount, JSON.stringify(record));

  return {
    async isSet() {
      return (await store.get(OPERATOR_PIN_SERVICE, pinAccount)) !== null;
    },

    async set(pin) {
      checkPinFormat(pin);
      const salt = randomBytes(16);
      const hash = await derive(pin, salt, SCRYPT, SCRYPT.keyLength);
      const record: PinRecord = {
        v: 1,
        N: SCRYPT.N,
        r: SCRYPT.r,
        p: SCRYPT.p,
        salt: salt.toString('base64'),
        hash: hash.toString('base64'),
      };
      await store.set(OPERATOR_PIN_SERVICE, pinAccount, JSON.stringify(record));
      await writeAttempts({ failures: 0, lockedUntil: null });
    },

    verify: (pin) =>
      serial(async () => {
        const at = now().getTime();
        const attempts = await readAttempts();
        if (attempts.lockedUntil !== null && Date.parse(attempts.lockedUntil) > at) {
          return { ok: false, attemptsLeft: 0, lockedUntil: attempts.lockedUntil };
        }
        const failures = (attempts.lockedUntil === null ? attempts.failures : 0) + 1;
        const lockedUntil = failures >= MAX_PIN_FAILURES ? new Date(at + PIN_LOCK_MS).toISOString() : null;
        // Counted before the comparison: a process killed while it runs has still spent the try.
        await writeAttempts({ failures: lockedUntil ? 0 : failures, lockedUntil });
        const text = await store.get(OPERATOR_PIN_SERVICE, pinAccount);
        const record = text === null ? null : parsePinRecord(text);
        if (record && /^[0-9]+$/.test(pin)) {
          const expected = Buffer.from(record.hash, 'base64');
          const actual = await derive(pin, Buffer.from(record.salt, 'base64'), record, expected.length);
          if (expected.length > 0 && timingSafeEqual(actual, expected)) {
            await writeAttempts({ failures: 0, lockedUntil: null });
            return { ok: true };
          }
        }
        return { ok: false, attemptsLeft: lockedUntil ? 0 : MAX_PIN_FAILURES - failures, lockedUntil };
      }),
  };
}

/** The operator's PIN as the kiosk host offers it, with what a successful verify unlocks. */
export interface OperatorAccess {
  operatorPin: OperatorPin;
  /** The operator entered the PIN within the last {@link OPERATOR_UNLOCK_MS}. */
  isUnlocked(): boolean;
  /** Ends the unlock (the next person's turn, or the operator is done). */
  relock(): void;
}

/**
 * Setting the PIN is open only on first run (no PIN yet) or right after the
 * operator entered the current one: a new hire at the station cannot replace it.
 */
export function createOperatorAccess(pin: OperatorPin, now: () => Date = () => new Date()): OperatorAccess {
  let unlockedUntil = 0;
  const isUnlocked = () => now().getTime() < unlockedUntil;
  return {
    isUnlocked,
    relock() {
      unlockedUntil = 0;
    },
    operatorPin: {
      isSet: () => pin.isSet(),
      async set(value) {
        if (!isUnlocked() && (await pin.isSet())) {
          throw new OperatorPinError('operator_required', 'the current operator PIN must be entered before it can be changed');
        }
        await pin.set(value);
      },
      async verify(value) {
        const verdict = await pin.verify(value);
        unlockedUntil = verdict.ok ? now().getTime() + OPERATOR_UNLOCK_MS : 0;
        return verdict;
      },
    },
  };
}
