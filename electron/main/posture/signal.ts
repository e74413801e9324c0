import { UNKNOWN, type OsFamily, type OsSignal, type YesNoSignal } from '../../../api/posture.js';

/** What a parser concluded: a yes or no with the reason, or that it could not tell and why. */
export interface Reading<T> {
  value: T | typeof UNKNOWN;
  /** For IT and diagnostics: which output line decided it, or why nothing did. Never user data. */
  detail: string;
}

export const known = <T>(value: T, detail: string): Reading<T> => ({ value, detail });
export const unknown = (detail: string): Reading<never> => ({ value: UNKNOWN, detail });

/** Every signal the readers produce is self-reported: the app read it and cannot prove it (api/posture.ts). */
export function yesNoSignal(reading: Reading<boolean>): YesNoSignal {
  return { value: reading.value, source: 'self-reported', detail: reading.detail.slice(0, 200) };
}

export interface OsReading {
  family: OsFamily;
  version: string;
  name?: string;
}

export function osSignal(reading: Reading<OsReading>): OsSignal {
  const { value } = reading;
  return {
    value:
      value === UNKNOWN
        ? UNKNOWN
        : { family: value.family, version: value.version, ...(value.name ? { name: value.name.slice(0, 100) } : {}) },
    source: 'self-reported',
    detail: reading.detail.slice(0, 200),
  };
}

/** The leading dotted number of a version string ("6.1.0-28-amd64" -> "6.1.0"), within the contract's five parts. */
export function dottedPrefix(text: string): string | null {
  const match = /^\d{1,6}(?:\.\d{1,6}){0,4}/.exec(text.trim());
  return match ? match[0] : null;
}
