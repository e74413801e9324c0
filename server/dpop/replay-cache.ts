import type { Db } from '../db/handle.js';

/**
 * Remembers proof identifiers (`jkt:jti`) until the proofs would be too old to accept anyway, so
 * a captured proof cannot be sent twice, to this instance or any other: the memory is a table
 * every instance shares, and the database's unique key decides which of two racing uses wins.
 */
export class ReplayCache {
  constructor(private readonly db: Db) {}

  /** Resolves false if the key was already used and has not yet expired. */
  async remember(key: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    const expiresAt = new Date(expiresAtMs).toISOString();
    const result = await this.db
      .insertInto('dpop_proofs')
      .values({ key, expires_at: expiresAt })
      // An expired row may be reused; a live one makes the insert a no-op, which is the refusal.
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({ expires_at: expiresAt }).where('dpop_proofs.expires_at', '<=', new Date(nowMs).toISOString()),
      )
      .executeTakeFirst();
    return result.numInsertedOrUpdatedRows === 1n;
  }
}
