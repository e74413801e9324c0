import type { FastifyInstance } from 'fastify';
import { systemClock, type Clock } from './clock.js';
import type { ServerConfig } from './config.js';
import { migrate, openSqlite, type Db } from './db/open.js';
import { sweepAbandonedFactors } from './enrolment/sweeper.js';
import { createServices, type Services } from './services.js';
import { loadAttestationTrust, type AttestationTrust } from './attestation/setup.js';
import type { AttestationJudge } from './policy/evaluate.js';
import { PolicyStore } from './policy/store.js';
import { buildApp } from './http/app.js';

export interface RunningServer {
  app: FastifyInstance;
  policy: PolicyStore;
  attestation: AttestationTrust;
  db: Db;
  services: Services;
  url: string;
  close(): Promise<void>;
}

/** Opens and migrates the database, then listens. Used by `npm start`, the tests and the benchmark alike. */
export interface StartOptions {
  clock?: Clock;
  logger?: boolean;
  /** Defaults to the file in config.policyFile, else the built-in policy. */
  policy?: PolicyStore;
  attestation?: AttestationJudge;
}

export async function startServer(config: ServerConfig, opts: StartOptions = {}): Promise<RunningServer> {
  const clock = opts.clock ?? systemClock;
  const policy = opts.policy ?? (await PolicyStore.open(config.policyFile));
  const trust = await loadAttestationTrust(config, clock);
  const db = openSqlite(config.dataDir);
  await migrate(db);
  const services = createServices({ db, clock, config, policy, attestation: opts.attestation ?? trust.judge });
  await sweepAbandonedFactors({ db, clock, config });
  const app = buildApp({
    services,
    policy,
    clock,
    proofWindow: { maxAgeSeconds: config.dpopMaxAgeSeconds, futureSkewSeconds: config.dpopFutureSkewSeconds },
    adminToken: config.adminToken,
    logger: opts.logger ?? false,
  });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    app,
    policy,
    attestation: trust,
    db,
    services,
    url: `http://${config.host}:${port}`,
    async close() {
      await app.close();
      await db.destroy();
    },
  };
}
