import type { AttestationTrust } from './attestation/setup.js';
import { pendingMigrations, type DatabaseHandle } from './db/open.js';

export interface ReadinessDeps {
  database: DatabaseHandle;
  attestation: Pick<AttestationTrust, 'staleness'>;
}

/**
 * What stops this instance from serving correctly right now, one sentence per failed check; empty
 * when ready. A load balancer routes on it, so it asks the database itself rather than trusting
 * that it answered at start. The policy needs no check here: the server does not start without one.
 */
export async function readinessProblems({ database, attestation }: ReadinessDeps): Promise<string[]> {
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
  return problems;
}
