import { benchAgent, CHECKED } from './operators.js';
import { randomBytes } from 'node:crypto';
import { CompactSign, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { DeviceSignals } from '../../api/enrolment.js';
import { ServerConfig, type ServerConfigInput } from '../../server/config.js';
import type { ServiceDeps } from '../../server/context.js';
import type { Db } from '../../server/db/open.js';
import { openTestDatabase } from './test-database.js';
import type { UserRow } from '../../server/db/schema.js';
import { DeviceRegistry } from '../../server/enrolment/devices.js';
import { SessionStore } from '../../server/enrolment/sessions.js';
import { DEFAULT_POLICY } from '../../server/policy/default-policy.js';
import { noMetadata } from '../../server/policy/evaluate.js';
import type { PolicyFile } from '../../server/policy/schema.js';
import { PolicyStore } from '../../server/policy/store.js';
import { Helpdesk } from '../../server/recovery/helpdesk.js';
import { RecoveryCodes } from '../../server/recovery/recovery-codes.js';

/**
 * What the attack tests are built from: a proof forger that signs any header and any claims
 * (including ones no honest client would send), and the recovery modules on a real, migrated
 * in-memory SQLite database. The modules are built directly from their dependencies, so these
 * tests do not depend on how the service layer composes them.
 */

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** An attacker's signing key: the device key itself (ES256), or one the server must never accept. */
export class Forger {
  private constructor(
    private readonly alg: string,
    private readonly key: SigningKey | Uint8Array,
    readonly jwk: JWK,
  ) {}

  static async es256(): Promise<Forger> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    return new Forger('ES256', privateKey, await exportJWK(publicKey));
  }

  static async rs256(): Promise<Forger> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
    return new Forger('RS256', privateKey, await exportJWK(publicKey));
  }

  /** HMAC: the "public" key in the header is the very secret that signs. */
  static hs256(): Forger {
    const secret = new Uint8Array(randomBytes(32));
    return new Forger('HS256', secret, { kty: 'oct', k: Buffer.from(secret).toString('base64url') });
  }

  /**
   * Signs `payload` (any JSON value, well-formed or not) under a header that defaults to a correct
   * DPoP header for this key; `header` overrides or adds members.
   */
  sign(payload: unknown, header: Record<string, unknown> = {}): Promise<string> {
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ typ: 'dpop+jwt', alg: this.alg, jwk: this.jwk, ...header })
      .sign(this.key);
  }
}

export const newJti = (): string => randomBytes(16).toString('base64url');

/** A clock the test moves by hand, to the millisecond. */
export class HandClock {
  constructor(private at = Date.parse('2026-03-02T09:00:00.000Z')) {}
  now(): Date {
    return new Date(this.at);
  }
  advanceMs(ms: number): void {
    this.at += ms;
  }
  advance(seconds: number): void {
    this.at += seconds * 1000;
  }
}

export const ATTACK_DEVICE: DeviceSignals = {
  name: 'attack-test-laptop',
  platform: 'linux',
  osVersion: '6.1',
  appVersion: '0.1.0-test',
  kind: 'personal',
};

export interface RecoveryBench {
  deps: ServiceDeps;
  db: Db;
  clock: HandClock;
  config: ServerConfig;
  devices: DeviceRegistry;
  sessions: SessionStore;
  helpdesk: Helpdesk;
  recoveryCodes: RecoveryCodes;
  /** A person the server knows, inserted as the admin tooling would. */
  addUser(username: string, role?: string, employment?: UserRow['employment_type']): Promise<UserRow>;
  close(): Promise<void>;
}

/** The session, device and recovery modules on a fresh database, with every setting the tests rely on spelled out. */
export async function recoveryBench(
  overrides: Partial<ServerConfigInput> = {},
  policy: PolicyFile = DEFAULT_POLICY,
): Promise<RecoveryBench> {
  const database = await openTestDatabase();
  const { db } = database;
  const close = () => database.close();
  const clock = new HandClock();
  const config = ServerConfig.parse({
    dataDir: ':memory:',
    port: 0,
    rpId: 'enrol.test.example',
    origins: ['https://enrol.test.example'],
    helpdeskCodeTtlSeconds: 3600,
    helpdeskCodeMaxAttempts: 5,
    recoveryCodeMaxAttempts: 10,
    ...overrides,
  });
  const deps: ServiceDeps = { db, clock, config, policy: PolicyStore.fixed(policy), attestation: noMetadata };
  const devices = new DeviceRegistry(deps);
  return {
    deps,
    db,
    clock,
    config,
    devices,
    sessions: new SessionStore(deps, devices),
    helpdesk: new Helpdesk(deps, devices),
    recoveryCodes: new RecoveryCodes(deps),
    async addUser(username, role = 'engineer', employment: UserRow['employment_type'] = 'employee') {
      const row: UserRow = {
        id: `user-${username}`,
        username,
        display_name: username,
        email: null,
        role,
        account_kind: 'human',
        employment_type: employment,
        created_at: clock.now().toISOString(),
      };
      await db.insertInto('users').values(row).execute();
      return row;
    },
    close,
  };
}

/** Settles every promise and sorts the outcomes: what won, and the error code of each loser. */
export async function race<T>(attempts: Promise<T>[]): Promise<{ won: T[]; refused: string[] }> {
  const settled = await Promise.allSettled(attempts);
  const won: T[] = [];
  const refused: string[] = [];
  for (const s of settled) {
    if (s.status === 'fulfilled') won.push(s.value);
    else refused.push((s.reason as { code?: string }).code ?? String(s.reason));
  }
  return { won, refused };
}

/** The audit trail as the operator reads it: event, actor and parsed details, oldest first. */
export async function auditTrail(db: Db, event?: string): Promise<{ event: string; actor: string; details: Record<string, unknown> }[]> {
  const rows = await db.selectFrom('audit_events').select(['event', 'actor', 'details']).orderBy('seq').execute();
  return rows
    .filter((r) => event === undefined || r.event === event)
    .map((r) => ({ event: r.event, actor: r.actor, details: JSON.parse(r.details) as Record<string, unknown> }));
}

/** A request filed from `jkt` and approved by one agent: the code the help desk reads out. */
export async function approvedRequest(b: RecoveryBench, jkt: string, username = 'ada'): Promise<{ id: string; code: string }> {
  const request = await b.helpdesk.file(username, jkt, ATTACK_DEVICE);
  const answer = await b.helpdesk.approve(request.id, username, await benchAgent(b, 'grace'), CHECKED);
  if (!answer.code?.match(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/)) throw new Error('the approval gave no help-desk code');
  return { id: request.id, code: answer.code };
}
