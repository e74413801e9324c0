import type { AttestationTrust } from './attestation/setup.js';
import { pendingMigrations, type DatabaseHandle } from './db/open.js';

export interface ReadinessDeps {
  database: DatabaseHandle;
  attestation: Pick<AttestationTrust, 'staleness'>;
  /** The first bad row of the audit trail this instance found (server/audit/monitor.ts), or null. */
  auditChain?: () => string | null;
}

/**
 * What stops this instance from serving correctly right now, one sentence per failed check; empty
 * when ready. A load balancer routes on it, so it asks the database itself rather than trusting
 * that it answered at start. The policy needs no check here: the server does not start without one.
 */
export async function readinessProblems({ database, attestation, auditChain }: ReadinessDeps): Promise<string[]> {
  const problems: string[] = [];
  const unwritable = await database.writable();
  if (unwritable) {
    problems.push(`database: ${unwritable}`);
  } else {
    try {
      const pending = await pendingMigrations(database);
      if (pending.length > 0) problems.push(`database: migrations not applied: ${pending.join(', ')}`);
    } catch (error) {
      problems.push(`database: migrations cannot be read (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  const stale = attestation.staleness();
  if (stale) problems.push(`metadata: ${stale}`);
  // A broken audit chain takes the instance out of rotation and alarms, but it keeps answering:
  // refusing sign-ins would lock everyone out over evidence that is already fixed in the rows
  // (the verifier names them), and the events of what happens next are still needed, keyed as ever.
  const broken = auditChain?.();
  if (broken) problems.push(`audit: chain broken at ${broken}`);
  return problems;
}
