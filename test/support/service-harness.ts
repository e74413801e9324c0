import { sql } from 'kysely';
import type { DeviceSignals } from '../../api/enrolment.js';
import { ServerConfig, type ServerConfigInput } from '../../server/config.js';
import type { Db } from '../../server/db/open.js';
import type { Caller } from '../../server/context.js';
import { createServices, type Services } from '../../server/services.js';
import { DEFAULT_POLICY } from '../../server/policy/default-policy.js';
import { noMetadata } from '../../server/policy/evaluate.js';
import { PolicyStore } from '../../server/policy/store.js';
import { startServer, type RunningServer, type StartOptions } from '../../server/start.js';
import { TestClock } from './test-clock.js';
import { openTestDatabase, reserveTestDatabase, tableNames } from './test-database.js';

export { TestClock } from './test-clock.js';

export const TEST_RP_ID = 'enrol.test.example';
export const TEST_ORIGIN = `https://${TEST_RP_ID}`;

/** Service-level tests stand in for the HTTP layer, which derives this thumbprint from the request's DPoP proof. */
export const TEST_JKT = 'test-device-key-thumbprint-0000000000000';
export const TEST_DEVICE: DeviceSignals = {
  name: 'test-laptop',
  platform: 'linux',
  osVersion: '6.1',
  appVersion: '0.1.0-test',
  kind: 'personal',
};

export function callerOf(token: string, jkt = TEST_JKT): Caller {
  return { token, jkt };
}

/** Every setting the tests rely on is spelled out, so a change of defaults does not move them. */
export function testConfig(overrides: Partial<ServerConfigInput> = {}): ServerConfig {
  return ServerConfig.parse({
    dataDir: ':memory:',
    port: 0,
    rpId: TEST_RP_ID,
    rpName: 'FirstKey test',
    origins: [TEST_ORIGIN],
    codeTtlSeconds: 3600,
    codeMaxAttempts: 3,
    sessionTtlSeconds: 600,
    sessionIdleSeconds: 600,
    ceremonyTimeoutMs: 120_000,
    ...overrides,
  });
}

export interface ServiceHarness {
  db: Db;
  clock: TestClock;
  config: ServerConfig;
  services: Services;
  close(): Promise<void>;
}

/** The whole server over HTTP (the same wiring `npm run server` uses) on an in-memory database, with the test settings. */
export async function startTestServer(overrides: Partial<ServerConfigInput> = {}, options: StartOptions = {}): Promise<RunningServer> {
  // A test that names its own data directory asks for SQLite on disk; the others get this run's database.
  const slot = overrides.dataDir === undefined ? await reserveTestDatabase() : { databaseUrl: undefined, drop: () => Promise.resolve() };
  try {
    const server = await startServer(testConfig({ databaseUrl: slot.databaseUrl, ...overrides }), options);
    return {
      ...server,
      async close() {
        await server.close();
        await slot.drop();
      },
    };
  } catch (error) {
    await slot.drop();
    throw error;
  }
}

/** The services on a fresh, migrated database of this run's kind (tests/support/test-database.ts), under the built-in policy. */
export async function newService(overrides: Partial<ServerConfigInput> = {}): Promise<ServiceHarness> {
  const database = await openTestDatabase();
  const { db } = database;
  const close = () => database.close();
  const clock = new TestClock();
  const config = testConfig(overrides);
  const services = createServices({ db, clock, config, policy: PolicyStore.fixed(DEFAULT_POLICY), attestation: noMetadata });
  return { db, clock, config, services, close };
}

/** Every value of every row of every table, as text: to prove a secret is not stored anywhere. */
export async function dumpDatabase(db: Db): Promise<string> {
  const parts: string[] = [];
  for (const name of await tableNames(db)) {
    const rows = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(name)}`.execute(db);
    for (const row of rows.rows) {
      for (const value of Object.values(row)) {
        parts.push(value instanceof Uint8Array ? Buffer.from(value).toString('hex') : String(value));
      }
    }
  }
  return parts.join('\n');
}
