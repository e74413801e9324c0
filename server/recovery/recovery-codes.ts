import { transaction } from '../db/transaction.js';
import { appendAudit, appendAuditIn } from '../audit.js';
import { addSeconds } from '../clock.js';
import type { Executor, ServiceDeps } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { ApiFailure, RateLimited, wrongCode } from '../errors.js';
import { NEAR_LOCK, triesLeft } from '../limits/tries-left.js';
import { sql, type SqlBool } from 'kysely';
import { forgetTriesUnder, lockIfSpent, reserveTry, throttleKey, type ThrottleRules } from '../limits/attempt-throttle.js';
import { backoffOf, coarseWait, delayAfter, firstSlowed, tooEarly } from '../limits/backoff.js';
import { clientKey } from '../limits/client-key.js';
import { WindowCounter } from '../limits/window-counter.js';
import { notify } from '../notifications/outbox.js';
import { newId } from '../secrets.js';
import { generateRecoveryCodes, hashSecret, parseRecoveryCode, verifyNothing, verifySecret } from './codes.js';
import { refuseBreakGlassRecovery } from '../break-glass/refusals.js';

/** A new set, hashed and ready to store: hashing is slow, so it happens before any transaction. */
export interface PreparedSet {
  setId: string;
  display: string[];
  rows: { handle: string; secretHash: string }[];
}

/**
 * What a try may do: be checked (the how-many-th for the username, and for the username from
 * this client), wait (for this username from this client, or for this client at all), or nothing
 * while the username is locked.
 */
type Reservation =
  | { kind: 'go'; attempts: number; perClient: number }
  | { kind: 'wait'; seconds: number; reason: 'throttled' | 'client_limit' }
  | { kind: 'locked' };

/** The prefix of every client's waits for `username`: what a right code or the help desk clears. */
function waitsOf(username: string): string {
  return `${throttleKey('recovery', username)}|`;
}

/**
 * Clears everything counted against `username`'s recovery codes (its count toward the lock, the
 * lock, and every client's waits and share), in the caller's transaction: after a right code, a
 * completed recovery or a help-desk reset. True when there was anything to clear.
 */
export async function forgetRecoveryTries(ex: Executor, username: string): Promise<boolean> {
  const result = await ex.deleteFrom('recovery_throttle').where('username', '=', username).executeTakeFirst();
  const hadWaits = await forgetTriesUnder(ex, waitsOf(username));
  return result.numDeletedRows > 0n || hadWaits;
}

/**
 * Saved recovery codes: a set of ten per user, each single use, stored as salted scrypt hashes.
 * Failed tries are counted per username as typed, whether or not it exists, so the lock tells an
 * attacker nothing about which usernames are real.
 */
export class RecoveryCodes {
  private readonly clientBudget: WindowCounter;

  constructor(private readonly deps: ServiceDeps) {
    this.clientBudget = new WindowCounter(deps.db, deps.clock);
  }

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
   * Spends one recovery code of `username`, tried from `client` (the address limits count, as
   * request.clientAddress gives it). Three limits, none of which one client can turn against the
   * owner (NIST SP 800-63B rev 4, 3.2.2):
   * - waits, doubling after a few wrong codes (server/limits/backoff.ts), per username *and*
   *   client: a guesser slows only themselves, and the owner, elsewhere, goes at once;
   * - at most `recoveryClientMaxFailures` wrong codes per client and window, over all usernames:
   *   far fewer than the lock needs, so one client cannot lock anyone out however patient;
   * - the hard lock after `recoveryCodeMaxAttempts` wrong codes per username, whoever tried: only
   *   many clients together reach it, and it stays under the 100 failures NIST allows.
   * A try is reserved in each before the code is checked, so tries racing at once gain nothing.
   * Every refusal but the waits and the lock is the same `recovery_code_invalid`, and the waits
   * and the lock count the username as typed: unknown users answer as known ones.
   */
  async redeem(username: string, typed: string, deviceId: string | null, client: string): Promise<{ user: UserRow; codeId: string }> {
    const { db, clock } = this.deps;
    await refuseBreakGlassRecovery(db, username, 'recovery codes');
    const user = await db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .where('account_kind', '=', 'human')
      .executeTakeFirst();
    const budget = await this.clientBudget.take(
      throttleKey('recovery-client', clientKey(client)),
      this.deps.config.recoveryClientWindowSeconds,
    );
    const reserved: Reservation =
      budget.count > this.perClientCap()
        ? { kind: 'wait', seconds: budget.endsInSeconds, reason: 'client_limit' }
        : await this.reserveAttempt(username, client);
    if (reserved.kind !== 'go') {
      // Not checked, so not a failure of this client's.
      await this.clientBudget.giveBack(budget);
      await appendAudit(db, clock, {
        event: 'recovery.code_refused',
        actor: 'anonymous',
        userId: user?.id ?? null,
        details: { reason: reserved.kind === 'locked' ? 'locked' : reserved.reason, deviceId },
      });
      if (reserved.kind === 'locked') throw new ApiFailure('recovery_locked', 'too many wrong recovery codes: ask the help desk');
      if (reserved.reason === 'client_limit')
        throw new RateLimited('too many wrong recovery codes from this address: try again later', reserved.seconds);
      throw tooEarly('recovery codes for this username', coarseWait(reserved.seconds));
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
        await forgetRecoveryTries(tx, username);
        await appendAuditIn(tx, clock, {
          event: 'recovery.code_used',
          actor: user.username,
          userId: user.id,
          details: { codeId: row.id, setId: row.set_id, deviceId },
        });
        return true;
      });
      if (claimed) await this.clientBudget.giveBack(budget);
      else reason = 'used';
    }
    if (reason || !row || !user) {
      await this.recordFailure(username, user, { ...reserved, client }, reason ?? 'wrong', deviceId);
      throw this.wrongTry(reserved);
    }
    return { user, codeId: row.id };
  }

  /**
   * Wrong, used or unknown alike, with the tries left: this client's before its waits, and near a lock
   * (this client's share, or the username's) before it. Counted by the username as typed.
   */
  private wrongTry(reserved: { attempts: number; perClient: number }): ApiFailure {
    const { config } = this.deps;
    const ownShare = triesLeft(reserved.perClient, backoffOf(config).freeFailures, this.perClientCap());
    const toUsernameLock = Math.max(0, config.recoveryCodeMaxAttempts - reserved.attempts);
    const beforeWait = Math.min(ownShare.beforeWait, toUsernameLock);
    const locks = [ownShare.beforeLock, toUsernameLock <= NEAR_LOCK ? toUsernameLock : undefined].filter((n) => n !== undefined);
    const tries = locks.length > 0 ? { beforeWait, beforeLock: Math.min(...locks) } : { beforeWait };
    return wrongCode('recovery_code_invalid', 'recovery code not recognised, or already used', tries);
  }

  /**
   * Counts one more try: in the waits of this username from this client (refused, uncounted,
   * while one stands), then in the username's count toward the lock (refused while locked, or
   * once tries in flight have used the count up). A lock that has run out starts the count again.
   */
  private async reserveAttempt(username: string, client: string): Promise<Reservation> {
    const { db, clock, config } = this.deps;
    const now = clock.now();
    const waitKey = throttleKey('recovery', username, clientKey(client));
    const wait = await reserveTry(db, waitKey, now, this.perClientRules());
    if (wait.kind === 'wait') return { kind: 'wait', seconds: wait.seconds, reason: 'throttled' };
    if (wait.kind !== 'go') return { kind: 'locked' };
    const nowIso = now.toISOString();
    const t = (column: string) => sql.ref(`recovery_throttle.${column}`);
    const count = sql<number>`(CASE WHEN ${t('locked_until')} IS NOT NULL THEN 1 ELSE ${t('failures')} + 1 END)`;
    const counted = await db
      .insertInto('recovery_throttle')
      .values({ username, failures: 1, locked_until: null, next_try_at: null, updated_at: nowIso })
      .onConflict((oc) =>
        oc
          .column('username')
          .doUpdateSet({ failures: count, locked_until: null, next_try_at: null, updated_at: nowIso })
          .where(
            sql<SqlBool>`(${t('locked_until')} IS NULL AND ${t('failures')} < ${config.recoveryCodeMaxAttempts}) OR (${t('locked_until')} IS NOT NULL AND ${t('locked_until')} <= ${nowIso})`,
          ),
      )
      .returning('failures')
      .executeTakeFirst();
    if (!counted) {
      // Tries in flight used up the count: the lock, set by whichever of them fails.
      await db
        .updateTable('recovery_throttle')
        .set({ locked_until: this.lockEnd(), updated_at: nowIso })
        .where('username', '=', username)
        .where('locked_until', 'is', null)
        .execute();
      return { kind: 'locked' };
    }
    return { kind: 'go', attempts: counted.failures, perClient: wait.failures };
  }

  /**
   * One client's tries at one username: the doubling waits, and after `recoveryClientMaxFailures`
   * wrong codes no more from that client for that username until the owner succeeds or the help
   * desk resets it. So one client adds at most that many to the username's count toward the lock,
   * however long it keeps at it: only several clients together can lock a person out.
   */
  private perClientRules(): ThrottleRules {
    return { backoff: backoffOf(this.deps.config), maxFailures: this.perClientCap(), lockSeconds: null };
  }

  /** A client's share, always below the username's lock: one client alone can never reach it. */
  private perClientCap(): number {
    const { recoveryClientMaxFailures, recoveryCodeMaxAttempts } = this.deps.config;
    return Math.min(recoveryClientMaxFailures, recoveryCodeMaxAttempts - 1);
  }

  private lockEnd(): string {
    return addSeconds(this.deps.clock.now(), this.deps.config.recoveryLockSeconds).toISOString();
  }

  private async recordFailure(
    username: string,
    user: UserRow | undefined,
    reserved: { attempts: number; perClient: number; client: string },
    reason: string,
    deviceId: string | null,
  ): Promise<void> {
    const { db, clock, config } = this.deps;
    const { attempts } = reserved;
    const locked = attempts >= config.recoveryCodeMaxAttempts;
    const backoff = backoffOf(config);
    await transaction(db, async (tx) => {
      await lockIfSpent(
        tx,
        throttleKey('recovery', username, clientKey(reserved.client)),
        reserved.perClient,
        clock.now(),
        this.perClientRules(),
      );
      if (locked)
        await tx
          .updateTable('recovery_throttle')
          .set({ locked_until: this.lockEnd() })
          .where('username', '=', username)
          .where('locked_until', 'is', null)
          .execute();
      await appendAuditIn(tx, clock, {
        event: 'recovery.code_refused',
        actor: 'anonymous',
        userId: user?.id ?? null,
        details: { reason, attempts, deviceId },
      });
      // The owner hears of it when the waits begin for a client (once per client and run of
      // failures; a distributed guesser is heard of from each address), long before any lock.
      if (user && !locked && firstSlowed(reserved.perClient, backoff)) {
        await notify(tx, clock, {
          user,
          kind: 'codes.guessed',
          details: { codes: 'recovery', failures: attempts, waitSeconds: delayAfter(reserved.perClient, backoff) },
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
      const hadFailures = await forgetRecoveryTries(tx, username);
      await appendAuditIn(tx, clock, {
        event: 'recovery.lock_reset',
        actor: agent,
        userId: user?.id ?? null,
        details: { username, hadFailures },
      });
    });
  }
}
