import type { FastifyInstance } from 'fastify';
import { systemClock, type Clock } from './clock.js';
import type { ServerConfig } from './config.js';
import { migrate, openDatabase, type DatabaseHandle, type Db } from './db/open.js';
import { ReplayCache } from './dpop/replay-cache.js';
import { startSweeper, sweepAbandonedFactors } from './enrolment/sweeper.js';
import { createServices, type Services } from './services.js';
import { loadAttestationTrust, type AttestationTrust } from './attestation/setup.js';
import type { AttestationJudge } from './policy/evaluate.js';
import { PolicyStore } from './policy/store.js';
import { readinessProblems } from './readiness.js';
import { closeKdfPool } from './recovery/kdf-pool.js';
import { buildApp } from './http/app.js';
import { ClientLimiter } from './limits/client-limiter.js';
import { loadAuditKey } from './audit/key.js';
import { exportedCheckpointsIn } from './audit/checkpoints.js';
import { AuditMonitor } from './audit/monitor.js';
import { auditRecordSink } from './notifications/audit-records.js';

export interface RunningServer {
  app: FastifyInstance;
  policy: PolicyStore;
  attestation: AttestationTrust;
  database: DatabaseHandle;
  db: Db;
  services: Services;
  /** The audit trail's watch: verifyNow() runs an incremental verification at once. */
  audit: AuditMonitor;
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
  /** How often leftovers (abandoned pending factors, expired proof identifiers) are swept. */
  sweepIntervalMs?: number;
}

export async function startServer(config: ServerConfig, opts: StartOptions = {}): Promise<RunningServer> {
  const clock = opts.clock ?? systemClock;
  const policy = opts.policy ?? (await PolicyStore.open(config.policyFile));
  const trust = await loadAttestationTrust(config, clock);
  const database = await openDatabase(config, 'server');
  try {
    await migrate(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  const { db } = database;
  const services = createServices({ db, clock, config, policy, attestation: opts.attestation ?? trust.judge });
  await sweepAbandonedFactors({ db, clock, config });
  // Before listening: a dropped append-only trigger is put back and the chain checked from the last
  // signed checkpoint, so /readyz is right from the first probe.
  const audit = new AuditMonitor(
    database,
    loadAuditKey(config),
    clock,
    auditRecordSink(config),
    (line) => {
      console.error(line);
    },
    () => exportedCheckpointsIn(config.notificationFile),
  );
  try {
    await audit.start(config.auditVerifySeconds);
  } catch (error) {
    await audit.stop();
    await database.close();
    throw error;
  }
  const app = buildApp({
    services,
    policy,
    clock,
    proofWindow: { maxAgeSeconds: config.dpopMaxAgeSeconds, futureSkewSeconds: config.dpopFutureSkewSeconds },
    adminToken: config.adminToken,
    logger: opts.logger ?? false,
    replay: new ReplayCache(db),
    readiness: () => readinessProblems({ database, attestation: trust, auditChain: () => audit.brokenAt() }),
    clientGate: new ClientLimiter(db, clock, {
      windowSeconds: config.clientLimitWindowSeconds,
      maxRequests: config.clientMaxRequests,
      maxFailures: config.clientMaxFailures,
    }),
    network: { publicUrl: config.publicUrl, trustedProxies: config.trustedProxies, forwardedHeader: config.forwardedHeader },
  });
  const sweeper = startSweeper({ db, clock, config }, opts.sweepIntervalMs ?? 60_000, (error) => {
    app.log.error({ err: error }, 'sweep failed');
  });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    sweeper.stop();
    await audit.stop();
    await database.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    app,
    policy,
    attestation: trust,
    database,
    db,
    services,
    url: `http://${config.host}:${port}`,
    audit,
    async close() {
      sweeper.stop();
      await audit.stop();
      await app.close();
      await closeKdfPool();
      await database.close();
    },
  };
}
