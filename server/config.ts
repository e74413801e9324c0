import { z } from 'zod';
import { DEMO_CONSOLE_ORIGIN, DEMO_ENROLMENT_ORIGIN, DEMO_RP_ID } from '../api/defaults.js';
import { isAddressOrCidr, isNarrowEnough, SHORTEST_PROXY_PREFIX } from './http/client-address.js';

const HOURS = 3600;

/**
 * Server settings. Every number here appears in the README's assurance table;
 * the defaults are the limits from NIST SP 800-63A/B rev 4 that DESIGN.md cites.
 */
export const ServerConfig = z
  .object({
    dataDir: z.string().min(1),
    /** postgres://... : the production database, for several instances. Unset: SQLite in dataDir, one instance. */
    databaseUrl: z.string().min(1).optional(),
    host: z.string().default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65535).default(8787),
    rpId: z.string().min(1).default(DEMO_RP_ID),
    rpName: z.string().min(1).default('FirstKey'),
    /** Origins whose WebAuthn ceremonies we accept: the app's enrolment origin. */
    origins: z.array(z.url()).min(1).default([DEMO_ENROLMENT_ORIGIN]),
    /** Scheme and host of the links printed with new codes. */
    linkBase: z.string().default('firstkey://enrol'),
    adminToken: z.string().min(32, 'the admin token must be at least 32 characters').optional(),
    codeTtlSeconds: z.coerce
      .number()
      .int()
      .positive()
      .max(24 * HOURS)
      .default(24 * HOURS),
    /** Wrong tries before a code locks; throttling slows them long before. */
    codeMaxAttempts: z.coerce.number().int().min(1).max(50).default(20),
    sessionTtlSeconds: z.coerce.number().int().positive().max(HOURS).default(600),
    /** A session nobody has used for this long ends, even inside its lifetime. */
    sessionIdleSeconds: z.coerce.number().int().positive().max(HOURS).default(300),
    dpopMaxAgeSeconds: z.coerce.number().int().min(5).max(300).default(60),
    dpopFutureSkewSeconds: z.coerce.number().int().min(0).max(60).default(5),
    /** YAML or JSON policy (server/policy/schema.ts); unset means the built-in default policy. */
    policyFile: z.string().min(1).optional(),
    /** FIDO MDS3 metadata BLOB (a file the operator downloads) and the PEM of the root that signs it. */
    mdsBlobFile: z.string().min(1).optional(),
    mdsRootFile: z.string().min(1).optional(),
    /** Extra attestation roots (PEM files), trusted for any AAGUID: for keys outside the metadata service. */
    attestationAnchorFiles: z.array(z.string().min(1)).default([]),
    ceremonyTimeoutMs: z.coerce.number().int().min(30_000).max(600_000).default(120_000),
    /** Recovery sessions are shorter than enrolment sessions (checked below). */
    recoverySessionTtlSeconds: z.coerce.number().int().min(60).max(HOURS).default(300),
    /**
     * Wrong recovery codes per username before recovery-code use locks. Throttling (below) slows
     * guessing long before; this stays under the 100 consecutive failures SP 800-63B rev 4 allows.
     */
    recoveryCodeMaxAttempts: z.coerce.number().int().min(3).max(99).default(50),
    /** How long that lock lasts unless the help desk resets it first. */
    recoveryLockSeconds: z.coerce
      .number()
      .int()
      .min(60)
      .max(30 * 24 * HOURS)
      .default(24 * HOURS),
    /** Lifetime of the one-time code a help-desk approval yields: at most an hour. */
    helpdeskCodeTtlSeconds: z.coerce.number().int().min(60).max(HOURS).default(HOURS),
    /** Wrong help-desk codes before the request locks. */
    helpdeskCodeMaxAttempts: z.coerce.number().int().min(1).max(50).default(10),
    /** A help-desk request nobody decided on lapses after this long. */
    helpdeskRequestTtlSeconds: z.coerce
      .number()
      .int()
      .min(300)
      .max(7 * 24 * HOURS)
      .default(24 * HOURS),
    /** Removing a factor or device, or regenerating recovery codes, needs an assertion at most this old. */
    freshAuthSeconds: z.coerce.number().int().min(30).max(HOURS).default(300),
    /** Where the default notification sink appends (JSON lines); unset: the console. */
    notificationFile: z.string().min(1).optional(),
    /**
     * The URL the app calls (FIRSTKEY_SERVER_URL), when a proxy stands in front: DPoP proofs must
     * name it. Unset: the URL each request arrives on, which is right only without a proxy.
     */
    publicUrl: z
      .url({ protocol: /^https?$/, error: 'an http(s) URL without query or fragment' })
      .refine((u) => !u.includes('?') && !u.includes('#'), 'an http(s) URL without query or fragment')
      .optional(),
    /** Peers (addresses or CIDR blocks) whose forwarding header is believed for the client's address. */
    trustedProxies: z
      .array(
        z
          .string()
          .refine(isAddressOrCidr, { error: (i) => `not an IPv4/IPv6 address or CIDR block: ${String(i.input)}` })
          .refine(isNarrowEnough, {
            error: (i) =>
              `${String(i.input)} would trust far more than a proxy: prefixes must be at least /${SHORTEST_PROXY_PREFIX.ipv4} (IPv4) or /${SHORTEST_PROXY_PREFIX.ipv6} (IPv6)`,
          }),
      )
      .default([]),
    /**
     * Throttling of enrolment, recovery and help-desk codes, per account or code: this many wrong
     * codes are free, then each one doubles the wait before the next try, from throttleBaseSeconds
     * up to throttleMaxSeconds (server/limits/backoff.ts).
     */
    throttleFreeFailures: z.coerce.number().int().min(1).max(10).default(3),
    throttleBaseSeconds: z.coerce.number().int().min(1).max(60).default(2),
    throttleMaxSeconds: z.coerce.number().int().min(1).max(HOURS).default(900),
    /** Per-client limits on the calls anyone may make (api/http.ts clientLimited): the window they count in. */
    clientLimitWindowSeconds: z.coerce.number().int().min(10).max(HOURS).default(600),
    /** Calls per client address per window: generous, for offices behind one NAT address. */
    clientMaxRequests: z.coerce.number().int().min(1).max(1_000_000).default(600),
    /** Refused answers (wrong codes, bad proofs, unknown requests) per client address per window. */
    clientMaxFailures: z.coerce.number().int().min(1).max(100_000).default(30),
    /**
     * Wrong recovery codes one client may try, over all usernames, per recovery window, and for one
     * username until its owner succeeds: far below the per-username lock (and never more than
     * recoveryCodeMaxAttempts - 1, whatever is set), so no single client can lock a person out.
     */
    recoveryClientMaxFailures: z.coerce.number().int().min(1).max(99).default(10),
    recoveryClientWindowSeconds: z.coerce
      .number()
      .int()
      .min(HOURS)
      .max(7 * 24 * HOURS)
      .default(24 * HOURS),
    /** Lifetime of a station code (kiosk registration), at most a day like an enrolment code. */
    stationCodeTtlSeconds: z.coerce
      .number()
      .int()
      .positive()
      .max(24 * HOURS)
      .default(24 * HOURS),
    /** A station's registration lasts this many days; then it must be registered again with a new station code. */
    stationRenewDays: z.coerce.number().int().min(1).max(730).default(365),
    /** Roles whose people may confirm new hires at a kiosk station (with an active security key of their own). */
    kioskOperatorRoles: z.array(z.string().min(1)).min(1).default(['admin']),
    /** How long an operator's confirmation lets the new hire's code open a session on that station. */
    kioskConfirmationSeconds: z.coerce.number().int().min(60).max(HOURS).default(900),
    /** Sessions opened at a kiosk station are shorter (never longer than FIRSTKEY_SESSION_TTL_SECONDS). */
    kioskSessionTtlSeconds: z.coerce.number().int().min(60).max(HOURS).default(300),
    /**
     * The origin the help-desk console is served under (server/console/): within the RP ID, so
     * agents' own keys work there. Agents' WebAuthn sign-ins are accepted from this origin only.
     */
    consoleOrigin: z.url({ protocol: /^https?$/ }).default(DEMO_CONSOLE_ORIGIN),
    /** A console session ends this long after sign-in, whatever happens (short: an agent's desk is not a vault). */
    consoleSessionSeconds: z.coerce
      .number()
      .int()
      .min(300)
      .max(12 * HOURS)
      .default(HOURS),
    /** ...and after this long without a call. */
    consoleIdleSeconds: z.coerce.number().int().min(60).max(HOURS).default(900),
    /**
     * A file holding the audit trail's key (32+ bytes, base64 or raw): it keys the chain's hashes and
     * signs its checkpoints, and lives outside the database so the database's owner cannot rewrite
     * the trail unnoticed. Unset: a key generated in dataDir on first start (fine for a demo only).
     */
    auditKeyFile: z.string().min(1).optional(),
    /** How often each instance verifies the audit chain from its last checkpoint. */
    auditVerifySeconds: z.coerce
      .number()
      .int()
      .min(10)
      .max(24 * HOURS)
      .default(300),
    /** Which header those proxies set; the other is ignored, so a client cannot slip one past a proxy that only sets one. */
    forwardedHeader: z.enum(['x-forwarded-for', 'forwarded']).default('x-forwarded-for'),
  })
  // A BLOB without the root that vouches for it could not be verified: refuse the pair half-set.
  .refine((c) => Boolean(c.mdsBlobFile) === Boolean(c.mdsRootFile), {
    error: 'FIRSTKEY_MDS_BLOB and FIRSTKEY_MDS_ROOT go together',
    path: ['mdsRootFile'],
  })
  .refine((c) => c.throttleBaseSeconds <= c.throttleMaxSeconds, {
    error: 'must not be longer than FIRSTKEY_THROTTLE_MAX_SECONDS',
    path: ['throttleBaseSeconds'],
  })
  .refine((c) => c.recoverySessionTtlSeconds < c.sessionTtlSeconds, {
    error: 'must be shorter than the enrolment session lifetime (FIRSTKEY_SESSION_TTL_SECONDS)',
    path: ['recoverySessionTtlSeconds'],
  });
export type ServerConfig = z.infer<typeof ServerConfig>;
export type ServerConfigInput = z.input<typeof ServerConfig>;

function list(value: string | undefined): string[] | undefined {
  return value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
}

/** Settings with no variable: fixed for operators (the README's assurance table), moved only by tests. */
type InternalSetting = 'ceremonyTimeoutMs';

/** The variable behind each setting: what configFromEnv reads, and what its errors name. */
export const SERVER_ENV_NAMES = {
  dataDir: 'FIRSTKEY_DATA_DIR',
  databaseUrl: 'FIRSTKEY_DATABASE_URL',
  host: 'FIRSTKEY_HOST',
  port: 'FIRSTKEY_PORT',
  rpId: 'FIRSTKEY_RP_ID',
  rpName: 'FIRSTKEY_RP_NAME',
  origins: 'FIRSTKEY_ORIGINS',
  linkBase: 'FIRSTKEY_LINK_BASE',
  adminToken: 'FIRSTKEY_ADMIN_TOKEN',
  codeTtlSeconds: 'FIRSTKEY_CODE_TTL_SECONDS',
  codeMaxAttempts: 'FIRSTKEY_CODE_MAX_ATTEMPTS',
  sessionTtlSeconds: 'FIRSTKEY_SESSION_TTL_SECONDS',
  sessionIdleSeconds: 'FIRSTKEY_SESSION_IDLE_SECONDS',
  policyFile: 'FIRSTKEY_POLICY_FILE',
  mdsBlobFile: 'FIRSTKEY_MDS_BLOB',
  mdsRootFile: 'FIRSTKEY_MDS_ROOT',
  attestationAnchorFiles: 'FIRSTKEY_ATTESTATION_ANCHORS',
  dpopMaxAgeSeconds: 'FIRSTKEY_DPOP_MAX_AGE_SECONDS',
  dpopFutureSkewSeconds: 'FIRSTKEY_DPOP_FUTURE_SKEW_SECONDS',
  recoverySessionTtlSeconds: 'FIRSTKEY_RECOVERY_SESSION_TTL_SECONDS',
  recoveryCodeMaxAttempts: 'FIRSTKEY_RECOVERY_CODE_MAX_ATTEMPTS',
  recoveryLockSeconds: 'FIRSTKEY_RECOVERY_LOCK_SECONDS',
  helpdeskCodeTtlSeconds: 'FIRSTKEY_HELPDESK_CODE_TTL_SECONDS',
  helpdeskCodeMaxAttempts: 'FIRSTKEY_HELPDESK_CODE_MAX_ATTEMPTS',
  helpdeskRequestTtlSeconds: 'FIRSTKEY_HELPDESK_REQUEST_TTL_SECONDS',
  freshAuthSeconds: 'FIRSTKEY_FRESH_AUTH_SECONDS',
  notificationFile: 'FIRSTKEY_NOTIFICATION_FILE',
  publicUrl: 'FIRSTKEY_PUBLIC_URL',
  trustedProxies: 'FIRSTKEY_TRUSTED_PROXIES',
  forwardedHeader: 'FIRSTKEY_FORWARDED_HEADER',
  throttleFreeFailures: 'FIRSTKEY_THROTTLE_FREE_FAILURES',
  throttleBaseSeconds: 'FIRSTKEY_THROTTLE_BASE_SECONDS',
  throttleMaxSeconds: 'FIRSTKEY_THROTTLE_MAX_SECONDS',
  clientLimitWindowSeconds: 'FIRSTKEY_CLIENT_LIMIT_WINDOW_SECONDS',
  clientMaxRequests: 'FIRSTKEY_CLIENT_MAX_REQUESTS',
  clientMaxFailures: 'FIRSTKEY_CLIENT_MAX_FAILURES',
  recoveryClientMaxFailures: 'FIRSTKEY_RECOVERY_CLIENT_MAX_FAILURES',
  recoveryClientWindowSeconds: 'FIRSTKEY_RECOVERY_CLIENT_WINDOW_SECONDS',
  stationCodeTtlSeconds: 'FIRSTKEY_STATION_CODE_TTL_SECONDS',
  stationRenewDays: 'FIRSTKEY_STATION_RENEW_DAYS',
  kioskOperatorRoles: 'FIRSTKEY_KIOSK_OPERATOR_ROLES',
  kioskConfirmationSeconds: 'FIRSTKEY_KIOSK_CONFIRMATION_SECONDS',
  kioskSessionTtlSeconds: 'FIRSTKEY_KIOSK_SESSION_TTL_SECONDS',
  consoleOrigin: 'FIRSTKEY_CONSOLE_ORIGIN',
  consoleSessionSeconds: 'FIRSTKEY_CONSOLE_SESSION_SECONDS',
  consoleIdleSeconds: 'FIRSTKEY_CONSOLE_IDLE_SECONDS',
  auditKeyFile: 'FIRSTKEY_AUDIT_KEY_FILE',
  auditVerifySeconds: 'FIRSTKEY_AUDIT_VERIFY_SECONDS',
} as const satisfies Record<Exclude<keyof ServerConfigInput, InternalSetting>, `FIRSTKEY_${string}`>;

const LISTS: ReadonlySet<keyof typeof SERVER_ENV_NAMES> = new Set([
  'origins',
  'attestationAnchorFiles',
  'trustedProxies',
  'kioskOperatorRoles',
]);

/** Reads FIRSTKEY_* variables; a bad value stops the server with the variable named. */
export function configFromEnv(env: NodeJS.ProcessEnv): ServerConfig {
  const input = Object.fromEntries(
    Object.entries(SERVER_ENV_NAMES).map(([setting, name]) => {
      const value = env[name];
      return [setting, LISTS.has(setting as keyof typeof SERVER_ENV_NAMES) ? list(value) : value];
    }),
  );
  input.dataDir ??= '.firstkey-data';
  input.databaseUrl ||= undefined;
  input.publicUrl ||= undefined;
  const parsed = ServerConfig.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const setting = issue?.path[0];
    const name =
      typeof setting === 'string' && setting in SERVER_ENV_NAMES
        ? SERVER_ENV_NAMES[setting as keyof typeof SERVER_ENV_NAMES]
        : String(setting ?? '');
    throw new Error(`Invalid server setting ${name}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
