/** CTAP: three wrong PINs in a row and the key wants to be unplugged before it takes another. */
export const ATTEMPTS_PER_INSERTION = 3;
/** CTAP 2.1 section 6.5.1: a PIN is at most 63 bytes of UTF-8 and at least 4 code points. */
const MAX_PIN_BYTES = 63;
const MIN_PIN_CODE_POINTS = 4;

/** CTAP counts a PIN's minimum length in code points of its NFC form, not in what a person sees as characters. */
const codePoints = (pin: string) => Array.from(pin.normalize('NFC')).length;
const tooLong = (pin: string) => Buffer.byteLength(pin.normalize('NFC'), 'utf8') > MAX_PIN_BYTES;

/** A PIN no key accepts: never sent, so the key's counts stay as they are. */
export function unusablePin(pin: string): boolean {
  return codePoints(pin) < MIN_PIN_CODE_POINTS || tooLong(pin);
}

/** Why a new PIN cannot be set on a key whose own minimum is `keyMinimum`, or null when it can be tried. */
export function newPinProblem(pin: string, keyMinimum: number): 'too_short' | 'too_long' | null {
  if (codePoints(pin) < minimumPinLength(keyMinimum)) return 'too_short';
  if (tooLong(pin)) return 'too_long';
  return null;
}

export function minimumPinLength(keyMinimum: number): number {
  return Math.max(MIN_PIN_CODE_POINTS, keyMinimum);
}
