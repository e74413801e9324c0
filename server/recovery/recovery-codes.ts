import { transaction } from '../db/transaction.js';
import { appendAudit, appendAuditIn } from '../audit.js';
import { addSeconds } from '../clock.js';
import type { Executor, ServiceDeps } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { ApiFailure } from '../errors.js';
import { notify } from '../notifications/outbox.js';
import { newId } from '../secrets.js';
import { generateRecoveryCodes, hashSecret, parseRecoveryCode, verifyNothing, verifySecret } from './codes.js';

/** A new set, hashed and ready to store: hashing is slow, so it happens before any transaction. */
export interface PreparedSet {
  setId: string;
  display: string[];
  rows: { handle: string; secretHash: string }[];
}

/**
 * Saved recovery codes: a set of ten per user, each single use, stored as salted scrypt hashes.
 * Failed tries are counted per username as typed, whether or not it exists, so the lock tells an
 * attacker nothing about which usernames are real.
 */
export class RecoveryCodes {
  constructor(private readonly deps: ServiceDeps) {}

  private nowIso(): string {
    return this.deps.clock.now().toISOString();
  }

  async prepare(): Promise<PreparedSet> {
    const codes = generateRecoveryCodes();
    const rows = await Promise.all(codes.map(async (c) => ({ handle: c.handle, secretHash: await hashSecret(c.secret) })));
    return { setId: newId(), display: codes.map((c) => c.display), rows };
  }

  /** Replaces the user's set with a prepared one, inside the caller's transaction: the old codes stop working. */
  async replaceIn(ex: Executor, userId: string, set: PreparedSet): Promise<void> {
    const now = this.nowIso();
    await ex
      .updateTable('recovery_codes')
      .set({ replaced_at: now })
      .where('user_id', '=', userId)
      .where('replaced_at', 'is', null)
      .execute();
    await ex
      .insertInto('recovery_codes')
      .values(
        set.rows.map((r) => ({
          id: newId(),
          user_id: userId,
          set_id: set.setId,
          handle: r.handle,
          secret_hash: r.secretHash,
          created_at: now,
          used_at: null,
          replaced_at: null,
        })),
      )
      .execute();
  }

  async hasSet(ex: Executor, userId: string): Promise<boolean> {
    const row = await ex
      .selectFrom('recovery_codes')
      .select('id')
      .where('user_id', '=', userId)
      .where('replaced_at', 'is', null)
      .executeTakeFirst();
    return row !== undefined;
  }

  async status(userId: string): Promise<{ remaining: number; createdAt: string | null }> {
    const rows = await this.deps.db
      .selectFrom('recovery_codes')
      .select(['used_at', 'created_at'])
      .where('user_id', '=', userId)
      .where('replaced_at', 'is', null)
      .execute();
    return { remaining: rows.filter((r) => r.used_at === null).length, createdAt: rows[0]?.created_at ?? null };
  }

  /**
   * Spends one recovery code of `username`. An attempt is reserved before the code is checked, so
   * however many tries race, at most `recoveryCodeMaxAttempts` are checked before the lock.
   * Every refusal but the lock is the same `recovery_code_invalid`: unknown user, wrong code,
   * used code, code of a replaced set.
   */
  async redeem(username: string, typed: string, deviceId: string | null): Promise<{ user: UserRow; codeId: string }> {
    const { db, clock } = this.deps;
    const attempts = await this.reserveAttempt(username);
    const user = await db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .where('account_kind', '=', 'human')
      .executeTakeFirst();
    if (attempts === null) {
      await appendAudit(db, clock, {
        event: 'recovery.code_refused',
        actor: 'anonymous',
        userId: user?.id ?? null,
        details: { reason: 'locked', deviceId },
      });
      throw new ApiFailure('recovery_locked', 'too many wrong recovery codes: ask the help desk');
    }
    const parsed = parseRecoveryCode(typed);
    const row =
      parsed && user
        ? await db
            .selectFrom('recovery_codes')
            .selectAll()
            .where('user_id', '=', user.id)
            .where('handle', '=', parsed.handle)
            .where('replaced_at', 'is', null)
            .executeTakeFirst()
        : undefined;
    const matches = row && parsed ? await verifySecret(parsed.secret, row.secret_hash) : await verifyNothing(typed);
    let reason: string | null = !matches || !row ? 'wrong' : row.used_at ? 'used' : null;
    if (!reason && row && user) {
      // The claim, the throttle reset and the audit row commit together or not at all.
      const claimed = await transaction(db, async (tx) => {
        const claim = await tx
          .updateTable('recovery_codes')
          .set({ used_at: this.nowIso() })
          .where('id', '=', row.id)
          .where('used_at', 'is', null)
          .where('replaced_at', 'is', null)
          .executeTakeFirst();
        if (claim.numUpdatedRows !== 1n) return false;
        await tx.deleteFrom('recovery_throttle').where('username', '=', username).execute();
        await appendAuditIn(tx, clock, {
          event: 'recovery.code_used',
          actor: user.username,
          userId: user.id,
          details: { codeId: row.id, setId: row.set_id, deviceId },
        });
        return true;
      });
      if (!claimed) reason = 'used';
    }
    if (reason || !row || !user) {
      await this.recordFailure(username, user, attempts, reason ?? 'wrong', deviceId);
      throw new ApiFailure('recovery_code_invalid', 'recovery code not recognised, or already used');
    }
    return { user, codeId: row.id };
  }

  /** Counts one more try for the username; null while it is locked. A lock that has run out starts the count again. */
  private async reserveAttempt(username: string): Promise<number | null> {
    const now = this.nowIso();
    return transaction(this.deps.db, async (tx) => {
      const row = await tx.selectFrom('recovery_throttle').selectAll().where('username', '=', username).executeTakeFirst();
      if (row?.locked_until && row.locked_until > now) return null;
      const failures = (row && !row.locked_until ? row.failures : 0) + 1;
      if (failures > this.deps.config.recoveryCodeMaxAttempts) {
        await tx
          .updateTable('recovery_throttle')
          .set({ locked_until: this.lockEnd(), updated_at: now })
          .where('username', '=', username)
          .execute();
        return null;
      }
      await tx
        .insertInto('recovery_throttle')
        .values({ username, failures, locked_until: null, updated_at: now })
        .onConflict((oc) => oc.column('username').doUpdateSet({ failures, locked_until: null, updated_at: now }))
        .execute();
      return failures;
    });
  }

  private lockEnd(): string {
    return addSeconds(this.deps.clock.now(), this.deps.config.recoveryLockSeconds).toISOString();
  }

  private async recordFailure(
    username: string,
    user: UserRow | undefined,
    attempts: number,
    reason: string,
    deviceId: string | null,
  ): Promise<void> {
    const { db, clock, config } = this.deps;
    const locked = attempts >= config.recoveryCodeMaxAttempts;
    await transaction(db, async (tx) => {
      if (locked)
        await tx.updateTable('recovery_throttle').set({ locked_until: this.lockEnd() }).where('username', '=', username).execute();
      await appendAuditIn(tx, clock, {
        event: 'recovery.code_refused',
        actor: 'anonymous',
        userId: user?.id ?? null,
        details: { reason, attempts, deviceId },
      });
      if (locked) {
        await appendAuditIn(tx, clock, {
          event: 'recovery.locked',
          actor: 'anonymous',
          userId: user?.id ?? null,
          details: { attempts, until: this.lockEnd(), deviceId },
        });
        if (user) await notify(tx, clock, { user, kind: 'recovery.locked', details: { attempts } });
      }
    });
  }

  /** The help desk lifts a recovery-code lock after verifying the person. */
  async resetLock(username: string, agent: string): Promise<void> {
    const { db, clock } = this.deps;
    const user = await db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
    await transaction(db, async (tx) => {
      const result = await tx.deleteFrom('recovery_throttle').where('username', '=', username).executeTakeFirst();
      await appendAuditIn(tx, clock, {
        event: 'recovery.lock_reset',
        actor: `agent:${agent}`,
        userId: user?.id ?? null,
        details: { username, hadFailures: result.numDeletedRows > 0n },
      });
    });
  }
}
