import { transaction } from '../db/transaction.js';
import { appendAudit, appendAuditIn } from '../audit.js';
import { addSeconds } from '../clock.js';
import type { Executor, ServiceDeps } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { ApiFailure } from '../errors.js';
import { backoffOf, delayAfter, firstSlowed, nextTryAt, secondsToWait, tooEarly } from '../limits/backoff.js';
import { notify } from '../notifications/outbox.js';
import { newId } from '../secrets.js';
import { generateRecoveryCodes, hashSecret, parseRecoveryCode, verifyNothing, verifySecret } from './codes.js';

/** A new set, hashed and ready to store: hashing is slow, so it happens before any transaction. */
export interface PreparedSet {
  setId: string;
  display: string[];
  rows: { handle: string; secretHash: string }[];
}

/** What a try may do: be checked (the how-many-th), wait, or nothing while the username is locked. */
type Reservation = { kind: 'go'; attempts: number } | { kind: 'wait'; seconds: number } | { kind: 'locked' };

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
   * Spends one recovery code of `username`. Wrong codes are throttled per username as typed:
   * after a few, each further try must wait twice as long as the one before (server/limits/
   * backoff.ts), and only `recoveryCodeMaxAttempts` of them lock recovery codes outright. A try is
   * reserved (counted, and the wait it would earn set) before the code is checked, so however
   * many tries race, only one is checked per wait. Every refusal but the wait and the lock is the
   * same `recovery_code_invalid`: unknown user, wrong code, used code, code of a replaced set.
   */
  async redeem(username: string, typed: string, deviceId: string | null): Promise<{ user: UserRow; codeId: string }> {
    const { db, clock } = this.deps;
    const reserved = await this.reserveAttempt(username);
    const user = await db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .where('account_kind', '=', 'human')
      .executeTakeFirst();
    if (reserved.kind !== 'go') {
      await appendAudit(db, clock, {
        event: 'recovery.code_refused',
        actor: 'anonymous',
        userId: user?.id ?? null,
        details: reserved.kind === 'locked' ? { reason: 'locked', deviceId } : { reason: 'throttled', deviceId },
      });
      if (reserved.kind === 'locked') throw new ApiFailure('recovery_locked', 'too many wrong recovery codes: ask the help desk');
      throw tooEarly('recovery codes for this username', reserved.seconds);
    }
    const attempts = reserved.attempts;
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

  /**
   * Counts one more try for the username and sets the wait it earns should it fail. Refused
   * without counting while the username is locked or its wait is not over. A lock that has run out
   * starts the count again.
   */
  private async reserveAttempt(username: string): Promise<Reservation> {
    const now = this.deps.clock.now();
    const nowIso = now.toISOString();
    const backoff = backoffOf(this.deps.config);
    return transaction(this.deps.db, async (tx): Promise<Reservation> => {
      const row = await tx.selectFrom('recovery_throttle').selectAll().where('username', '=', username).executeTakeFirst();
      if (row?.locked_until && row.locked_until > nowIso) return { kind: 'locked' };
      const lockOver = Boolean(row?.locked_until);
      const failures = (row && !lockOver ? row.failures : 0) + 1;
      // Tries in flight have used up the count: the lock, whatever the wait says.
      if (failures > this.deps.config.recoveryCodeMaxAttempts) {
        await tx
          .updateTable('recovery_throttle')
          .set({ locked_until: this.lockEnd(), updated_at: nowIso })
          .where('username', '=', username)
          .execute();
        return { kind: 'locked' };
      }
      const wait = lockOver ? 0 : secondsToWait(row?.next_try_at, now);
      if (wait > 0) return { kind: 'wait', seconds: wait };
      const values = { failures, locked_until: null, next_try_at: nextTryAt(now, failures, backoff), updated_at: nowIso };
      await tx
        .insertInto('recovery_throttle')
        .values({ username, ...values })
        .onConflict((oc) => oc.column('username').doUpdateSet(values))
        .execute();
      return { kind: 'go', attempts: failures };
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
    const backoff = backoffOf(config);
    await transaction(db, async (tx) => {
      if (locked)
        await tx.updateTable('recovery_throttle').set({ locked_until: this.lockEnd() }).where('username', '=', username).execute();
      await appendAuditIn(tx, clock, {
        event: 'recovery.code_refused',
        actor: 'anonymous',
        userId: user?.id ?? null,
        details: { reason, attempts, deviceId },
      });
      // The owner hears of it when the waits begin, long before any lock.
      if (user && !locked && firstSlowed(attempts, backoff)) {
        await notify(tx, clock, {
          user,
          kind: 'codes.guessed',
          details: { codes: 'recovery', failures: attempts, waitSeconds: delayAfter(attempts, backoff) },
        });
      }
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
