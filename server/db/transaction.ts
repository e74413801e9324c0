import type { Transaction } from 'kysely';
import type { Db } from './handle.js';
import type { Database } from './schema.js';

/**
 * Conflicts a transaction can lose through no fault of its own: SQLite's busy or locked file, and
 * PostgreSQL's serialization failure and deadlock. Run again, the same work usually succeeds.
 */
const TRANSIENT = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED', '40001', '40P01']);
const ATTEMPTS = 5;

export function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT.has(code);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` in one transaction, again (up to five times, with growing random pauses) when it
 * loses a transient conflict, so a person never sees a 500 for a race the database settled. The
 * work must touch nothing but the transaction, which every caller in the server does: a retry
 * then repeats nothing twice.
 */
export async function transaction<T>(db: Db, work: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      // eslint-disable-next-line no-restricted-syntax -- the one place a transaction is opened
      return await db.transaction().execute(work);
    } catch (error) {
      if (!isTransient(error) || attempt >= ATTEMPTS) throw error;
      await pause(Math.random() * 10 * 2 ** attempt);
    }
  }
}
