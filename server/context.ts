import type { Kysely } from 'kysely';
import type { SessionDeadlines } from '../api/enrolment.js';
import type { Clock } from './clock.js';
import type { ServerConfig } from './config.js';
import type { Db } from './db/open.js';
import type { Database } from './db/schema.js';
import type { AttestationJudge } from './policy/evaluate.js';
import type { PolicyStore } from './policy/store.js';

/** What every service of the reference server is built from. */
export interface ServiceDeps {
  db: Db;
  clock: Clock;
  config: ServerConfig;
  policy: PolicyStore;
  attestation: AttestationJudge;
}

/** Who is calling: the session token and the thumbprint of the device key that signed the request's DPoP proof. */
export interface Caller {
  token: string;
  jkt: string;
  /** Set by SessionStore.live once the session is found live: the route sends them back with the answer. */
  deadlines?: SessionDeadlines;
}

/** The database or a transaction on it: helpers that take one run inside the caller's transaction. */
export type Executor = Kysely<Database>;
