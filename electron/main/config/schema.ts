import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { DEMO_ENROLMENT_ORIGIN, DEMO_SERVER_URL } from '../../../api/defaults.js';
import { LOG_LEVELS } from '../log/logger.js';
import type { AppConfigErrorCode } from './app-config-error.js';
import { parsePemBundle } from './certificates.js';

/** What the rules depend on: an installed (packaged) app never talks cleartext. */
export interface ConfigRules {
  readonly packaged: boolean;
}

const HELP_DESK_CONTACT_MAX = 500;
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '[::1]', 'localhost']);

type Ctx = z.core.$RefinementCtx;

/** A refusal carrying the code the start-up dialog translates (see issueReason). */
function refuse(ctx: Ctx, reason: AppConfigErrorCode, detail: string): void {
  ctx.addIssue({ code: 'custom', message: detail, params: { reason } });
}

function parseUrl(value: string, ctx: Ctx): URL | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    refuse(ctx, 'invalid_url', 'is not a URL');
    return null;
  }
  // Credentials would sit in every log line and diagnostics report that names the URL.
  if (url.username !== '' || url.password !== '') {
    refuse(ctx, 'invalid_url', 'must not carry a user name or password');
    return null;
  }
  if (url.search !== '' || url.hash !== '') {
    refuse(ctx, 'invalid_url', 'must not carry a query or fragment');
    return null;
  }
  return url;
}

/**
 * An API or update URL: https; http only to this computer, and only outside an
 * installed app (the development server). Anything else would send enrolment
 * codes and session tokens in the clear.
 */
function serviceUrl(rules: ConfigRules) {
  return z.string().superRefine((value, ctx) => {
    const url = parseUrl(value, ctx);
    if (!url || url.protocol === 'https:') return;
    if (url.protocol !== 'http:') {
      refuse(ctx, 'invalid_url', `must be an https URL, not ${url.protocol}`);
    } else if (rules.packaged) {
      refuse(ctx, 'not_https', 'must be https in an installed app');
    } else if (!LOOPBACK_HOSTS.has(url.hostname)) {
      refuse(ctx, 'not_https', 'must be https (http is accepted only for 127.0.0.1, ::1 or localhost during development)');
    }
  });
}

/** The origin the renderer is served under: WebAuthn needs a secure origin, so https always. */
const enrolmentOrigin = z
  .string()
  .superRefine((value, ctx) => {
    const url = parseUrl(value, ctx);
    if (!url) return;
    if (url.protocol !== 'https:') refuse(ctx, 'not_https', 'must be an https origin (WebAuthn needs one)');
    else if (url.pathname !== '/') refuse(ctx, 'invalid_value', 'must be an origin (scheme, host and port) without a path');
  })
  .transform((value) => new URL(value).origin);

/**
 * PEM text in, parsed certificates out. The loader checks each source's value and
 * then the chosen values as a whole, so certificates parsed by the first check
 * come through the second as they are.
 */
const extraCaCertificates = z
  .array(
    z.custom<string | X509Certificate>((entry) => typeof entry === 'string' || entry instanceof X509Certificate, {
      error: 'must be a string',
      params: { reason: 'wrong_type' },
    }),
  )
  .transform((entries, ctx): X509Certificate[] => {
    const parsedAlready = entries.filter((entry) => entry instanceof X509Certificate);
    if (parsedAlready.length === entries.length) return parsedAlready;
    const parsed = parsePemBundle(entries.map(String));
    if (parsed.ok) return parsed.certificates;
    refuse(ctx, 'bad_certificate', parsed.detail);
    return z.NEVER;
  });

const helpDeskContact = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    if (value === '') refuse(ctx, 'invalid_value', 'is empty');
    else if (value.length > HELP_DESK_CONTACT_MAX) refuse(ctx, 'invalid_value', `is longer than ${HELP_DESK_CONTACT_MAX} characters`);
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
    else if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(value)) refuse(ctx, 'invalid_value', 'holds control characters');
  });

/** One value's schema, as the loader checks each source's value on its own. */
export function settingSchemas(rules: ConfigRules) {
  return {
    serverUrl: serviceUrl(rules),
    enrolmentOrigin,
    kiosk: z.boolean(),
    'updates.enabled': z.boolean(),
    'updates.feedUrl': serviceUrl(rules),
    extraCaCertificates,
    logLevel: z.enum(LOG_LEVELS),
    helpDeskContact,
  } as const;
}

/**
 * Everything an IT team sets for the app, validated as a whole. Unknown keys are
 * refused: a misspelt key would otherwise leave the setting silently at its default.
 */
export function appConfigSchema(rules: ConfigRules) {
  const values = settingSchemas(rules);
  return z
    .object({
      serverUrl: values.serverUrl.default(DEMO_SERVER_URL),
      enrolmentOrigin: values.enrolmentOrigin.default(DEMO_ENROLMENT_ORIGIN),
      kiosk: values.kiosk.default(false),
      updates: z
        .object({ enabled: values['updates.enabled'].default(false), feedUrl: values['updates.feedUrl'].optional() })
        .strict()
        .superRefine((updates, ctx) => {
          if (updates.enabled && updates.feedUrl === undefined) {
            ctx.addIssue({
              code: 'custom',
              path: ['feedUrl'],
              message: 'must be set when updates are enabled',
              params: { reason: 'missing' },
            });
          }
        })
        .default({ enabled: false }),
      extraCaCertificates: values.extraCaCertificates.default([]),
      logLevel: values.logLevel.default('info'),
      helpDeskContact: values.helpDeskContact.optional(),
    })
    .strict();
}

/** The configuration's shape under development rules; the loader applies the installed-app rules where they hold. */
export const AppConfig = appConfigSchema({ packaged: false });
export type AppConfig = z.infer<typeof AppConfig>;

/** The code and English detail for a zod issue raised by the schemas above. */
export function issueReason(issue: z.core.$ZodIssue): { code: AppConfigErrorCode; detail: string } {
  if (issue.code === 'custom') {
    const reason = (issue.params as { reason?: AppConfigErrorCode } | undefined)?.reason;
    return { code: reason ?? 'invalid_value', detail: issue.message };
  }
  if (issue.code === 'invalid_type') return { code: 'wrong_type', detail: `must be ${article(issue.expected)}` };
  if (issue.code === 'unrecognized_keys')
    return { code: 'unknown_setting', detail: `is not a setting the app knows (${issue.keys.join(', ')})` };
  if (issue.code === 'invalid_value') return { code: 'invalid_value', detail: `must be one of ${issue.values.map(String).join(', ')}` };
  return { code: 'invalid_value', detail: issue.message };
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
