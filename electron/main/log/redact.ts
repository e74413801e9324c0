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

const SCRUBBERS: readonly (readonly [RegExp, string])[] = [
  // PEM blocks: private keys, certificates
  [/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(?:-----END [A-Z0-9 ]+-----|$)/g, REDACTED],
  // A JSON web key anywhere in the text: drop everything from its opening brace
  [/\{[^{}]*"kty"[\s\S]*/g, REDACTED],
  // Authorization header values
  [/\b(DPoP|Bearer|Basic)\s+[^\s,;]+/gi, `$1 ${REDACTED}`],
  // JWS/JWT, DPoP proofs, and any base64url-encoded JSON
  [/eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){0,2}/g, REDACTED],
  // Credentials in a URL, and every query string (codes travel in firstkey:// links)
  [/\/\/[^/\s:@]+:[^/\s@]*@/g, `//${REDACTED}@`],
  [/\?[^\s#"']*/g, `?${REDACTED}`],
  // Enrolment, recovery and help-desk codes as shown (groups of four), in any case
  [/\b[0-9A-Za-z]{4}(?:-[0-9A-Za-z]{4}){2,}\b/g, REDACTED],
  [/\b[0-9A-Z]{4}(?: [0-9A-Z]{4}){2,}\b/g, REDACTED],
];

/**
 * Long runs that look random: letters with digits, or long mixed-case runs.
 * Tokens, ungrouped codes, hashes, key coordinates. Identifiers stay:
 * ERR_MODULE_NOT_FOUND, keychain_unavailable, registrationOptions.
 */
const RANDOM_LOOKING = /[A-Za-z0-9_+=-]{16,}/g;

function looksRandom(run: string): boolean {
  const lower = /[a-z]/.test(run);
  const upper = /[A-Z]/.test(run);
  const digit = /[0-9]/.test(run);
  return ((lower || upper) && digit) || (lower && upper && run.length >= 24);
}

/** Removes anything secret-shaped from a string value. */
export function scrub(value: string): string {
  let text = value.length > MAX_VALUE_LENGTH ? `${value.slice(0, MAX_VALUE_LENGTH)}…` : value;
  for (const [pattern, replacement] of SCRUBBERS) text = text.replace(pattern, replacement);
  return text.replace(RANDOM_LOOKING, (run) => (looksRandom(run) ? REDACTED : run));
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
