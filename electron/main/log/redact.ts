/**
 * What may reach a log line. Two layers, because a single mistake must not put
 * a secret on disk: field names are allow-listed (a field that is not on the
 * list keeps its name but loses its value), and every string value that is let
 * through is scrubbed of anything shaped like a code, token, proof or key.
 */

export type LogValue = string | number | boolean | null;
export type LogFields = Record<string, LogValue>;

export const REDACTED = '[redacted]';

/**
 * Fields whose values describe what happened, never who or with what secret.
 * Add a name here only for values that can never hold a code, token, recovery
 * code, DPoP proof, key or request/response body.
 */
export const LOGGABLE_FIELDS: ReadonlySet<string> = new Set([
  // API calls: operation name, method, path template, outcome
  'operation',
  'method',
  'path',
  'status',
  'durationMs',
  'code',
  'errorName',
  // configuration and start-up
  'setting',
  'source',
  'reason',
  'message',
  'switch',
  // the app and its environment
  'appVersion',
  'electronVersion',
  'chromeVersion',
  'nodeVersion',
  'platform',
  'arch',
  'osVersion',
  'locale',
  'packaged',
  'kiosk',
  // renderer and window life
  'exitCode',
  'count',
  'pinnedCertificates',
  'host',
  // updates
  'updateVersion',
]);

/** Keys are written as given, so they must look like identifiers a developer chose. */
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;
const EVENT_NAME = /^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$/;
const MAX_VALUE_LENGTH = 500;

/** Crockford base32 as the server writes codes (no I, L, O, U), in one case: people type a code in capitals or in small letters. */
const CODE_UPPER = '[0-9A-HJKMNP-TV-Z]';
const CODE_LOWER = '[0-9a-hjkmnp-tv-z]';
/** Enrolment, recovery and help-desk codes are 16 characters or more; shorter runs are words and numbers. */
const CODE_MIN = 16;
const NOT_ALNUM_BEFORE = '(?<![0-9A-Za-z])';
const NOT_ALNUM_AFTER = '(?![0-9A-Za-z])';
/** A code typed in one piece: ABCDEFGHJKMNPQRS. Mixed case (verifyRegistration) is an identifier, not a code. */
const CODE_IN_ONE_PIECE = new RegExp(
  `${NOT_ALNUM_BEFORE}(?:${CODE_UPPER}{${CODE_MIN},}|${CODE_LOWER}{${CODE_MIN},})${NOT_ALNUM_AFTER}`,
  'g',
);
/** A code typed in groups, as shown or as people copy it: abcd efgh jkmn pqrs, ABCD-EFGH JKMN-PQRS, ABCD - EFGH. */
const CODE_GROUP = `(?:${CODE_UPPER}{4,8}|${CODE_LOWER}{4,8})`;
const CODE_IN_GROUPS = new RegExp(`${NOT_ALNUM_BEFORE}${CODE_GROUP}(?:(?: ?- ?| )${CODE_GROUP})+${NOT_ALNUM_AFTER}`, 'g');

const redacted = () => REDACTED;

const SCRUBBERS: readonly (readonly [RegExp, (match: string, ...groups: string[]) => string])[] = [
  // PEM blocks: private keys, certificates
  [/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(?:-----END [A-Z0-9 ]+-----|$)/g, redacted],
  // A JSON web key anywhere in the text: drop everything from its opening brace
  [/\{[^{}]*"kty"[\s\S]*/g, redacted],
  // Authorization header values
  [/\b(DPoP|Bearer|Basic)\s+[^\s,;]+/gi, (_value, scheme = '') => `${scheme} ${REDACTED}`],
  // JWS/JWT, DPoP proofs, and any base64url-encoded JSON
  [/eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){0,2}/g, redacted],
  // Credentials in a URL, and every query string (codes travel in firstkey:// links)
  [/\/\/[^/\s:@]+:[^/\s@]*@/g, () => `//${REDACTED}@`],
  [/\?[^\s#"']*/g, () => `?${REDACTED}`],
  // Codes in dashed groups of four in any alphabet, as a server other than ours might show them
  [/\b[0-9A-Za-z]{4}(?:-[0-9A-Za-z]{4}){2,}\b/g, redacted],
  // Codes as people type them: in groups or in one piece, capitals or small letters
  [CODE_IN_GROUPS, (match) => (match.replace(/[ -]/g, '').length >= CODE_MIN ? REDACTED : match)],
  [CODE_IN_ONE_PIECE, redacted],
];

/**
 * Long runs that look random: letters with digits, or long mixed-case runs.
 * Tokens, hashes, key coordinates. Identifiers stay:
 * ERR_MODULE_NOT_FOUND, keychain_unavailable, registrationOptions.
 */
const RANDOM_LOOKING = /[A-Za-z0-9_+=-]{16,}/g;

function looksRandom(run: string): boolean {
  const lower = /[a-z]/.test(run);
  const upper = /[A-Z]/.test(run);
  const digit = /[0-9]/.test(run);
  return ((lower || upper) && digit) || (lower && upper && run.length >= 24);
}

/**
 * Removes anything secret-shaped from free text: codes however typed, JWTs and
 * DPoP proofs, PEM, JWKs, authorization values, URL credentials and queries,
 * long random-looking runs. The one scrubber for log values and for the log
 * lines and settings a diagnostics report carries.
 */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SCRUBBERS) out = out.replace(pattern, replacement);
  return out.replace(RANDOM_LOOKING, (run) => (looksRandom(run) ? REDACTED : run));
}

/** A log value: cut to a bounded length, then scrubbed. */
export function scrub(value: string): string {
  return scrubSecrets(value.length > MAX_VALUE_LENGTH ? `${value.slice(0, MAX_VALUE_LENGTH)}…` : value);
}

/** An event name as written: a developer's constant; anything else is not trusted. */
export function safeEventName(event: string): string {
  return EVENT_NAME.test(event) && event.length <= 64 ? event : 'unnamed_event';
}

/** The fields that may be written: allow-listed names keep their (scrubbed) values, others only their name. */
export function redactFields(fields: Readonly<Record<string, unknown>> = {}): LogFields {
  const out: LogFields = {};
  for (const [name, value] of Object.entries(fields)) {
    if (!FIELD_NAME.test(name)) continue;
    if (!LOGGABLE_FIELDS.has(name)) {
      out[name] = REDACTED;
    } else if (typeof value === 'string') {
      out[name] = scrub(value);
    } else if (typeof value === 'boolean' || value === null || (typeof value === 'number' && Number.isFinite(value))) {
      out[name] = value;
    } else {
      // Objects, arrays, NaN: the type says no; a caller that got past it is not trusted.
      out[name] = REDACTED;
    }
  }
  return out;
}
