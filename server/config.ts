import { z } from 'zod';
import { DEMO_ENROLMENT_ORIGIN, DEMO_RP_ID } from '../api/defaults.js';

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
    codeMaxAttempts: z.coerce.number().int().min(1).max(20).default(5),
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
    /** Wrong recovery codes per username before recovery-code use locks. */
    recoveryCodeMaxAttempts: z.coerce.number().int().min(3).max(100).default(10),
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
    helpdeskCodeMaxAttempts: z.coerce.number().int().min(1).max(20).default(5),
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
  })
  // A BLOB without the root that vouches for it could not be verified: refuse the pair half-set.
  .refine((c) => Boolean(c.mdsBlobFile) === Boolean(c.mdsRootFile), {
    error: 'FIRSTKEY_MDS_BLOB and FIRSTKEY_MDS_ROOT go together',
    path: ['mdsRootFile'],
  })
  .refine((c) => c.recoverySessionTtlSeconds < c.sessionTtlSeconds, {
    error: 'recoverySessionTtlSeconds must be shorter than sessionTtlSeconds',
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

/** Reads FIRSTKEY_* variables; a bad value stops the server with the variable named. */
export function configFromEnv(env: NodeJS.ProcessEnv): ServerConfig {
  const parsed = ServerConfig.safeParse({
    dataDir: env.FIRSTKEY_DATA_DIR ?? '.firstkey-data',
    databaseUrl: env.FIRSTKEY_DATABASE_URL || undefined,
    host: env.FIRSTKEY_HOST,
    port: env.FIRSTKEY_PORT,
    rpId: env.FIRSTKEY_RP_ID,
    rpName: env.FIRSTKEY_RP_NAME,
    origins: list(env.FIRSTKEY_ORIGINS),
    linkBase: env.FIRSTKEY_LINK_BASE,
    adminToken: env.FIRSTKEY_ADMIN_TOKEN,
    codeTtlSeconds: env.FIRSTKEY_CODE_TTL_SECONDS,
    codeMaxAttempts: env.FIRSTKEY_CODE_MAX_ATTEMPTS,
    sessionTtlSeconds: env.FIRSTKEY_SESSION_TTL_SECONDS,
    sessionIdleSeconds: env.FIRSTKEY_SESSION_IDLE_SECONDS,
    policyFile: env.FIRSTKEY_POLICY_FILE,
    mdsBlobFile: env.FIRSTKEY_MDS_BLOB,
    mdsRootFile: env.FIRSTKEY_MDS_ROOT,
    attestationAnchorFiles: list(env.FIRSTKEY_ATTESTATION_ANCHORS),
    dpopMaxAgeSeconds: env.FIRSTKEY_DPOP_MAX_AGE_SECONDS,
    dpopFutureSkewSeconds: env.FIRSTKEY_DPOP_FUTURE_SKEW_SECONDS,
    recoverySessionTtlSeconds: env.FIRSTKEY_RECOVERY_SESSION_TTL_SECONDS,
    recoveryCodeMaxAttempts: env.FIRSTKEY_RECOVERY_CODE_MAX_ATTEMPTS,
    recoveryLockSeconds: env.FIRSTKEY_RECOVERY_LOCK_SECONDS,
    helpdeskCodeTtlSeconds: env.FIRSTKEY_HELPDESK_CODE_TTL_SECONDS,
    helpdeskCodeMaxAttempts: env.FIRSTKEY_HELPDESK_CODE_MAX_ATTEMPTS,
    helpdeskRequestTtlSeconds: env.FIRSTKEY_HELPDESK_REQUEST_TTL_SECONDS,
    freshAuthSeconds: env.FIRSTKEY_FRESH_AUTH_SECONDS,
    notificationFile: env.FIRSTKEY_NOTIFICATION_FILE,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid server setting ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
