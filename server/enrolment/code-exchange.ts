import type { DeviceSignals, SessionView } from '../../api/enrolment.js';
import { assertUserActive } from '../accounts/active.js';
import { appendAuditIn } from '../audit.js';
import type { ServiceDeps } from '../context.js';
import type { StationRow, UserRow } from '../db/schema.js';
import { transaction } from '../db/transaction.js';
import { ApiFailure, wrongCode } from '../errors.js';
import { namedConfirmation, spendConfirmationIn } from '../kiosk/confirmations.js';
import { operatorStillTrusted } from '../kiosk/operator-trust.js';
import { stationOfKey } from '../kiosk/station-state.js';
import { backoffOf, delayAfter, firstSlowed } from '../limits/backoff.js';
import {
  codeTryRules,
  lockCodeIfSpent,
  lockUnknownHandleIfSpent,
  refusalOf,
  reserveCodeTry,
  reserveUnknownHandleTry,
  standingRefusal,
} from '../limits/code-tries.js';
import { triesLeft } from '../limits/tries-left.js';
import { notify } from '../notifications/outbox.js';
import { allowsFactor } from '../policy/evaluate.js';
import type { Tier } from '../policy/schema.js';
import { admitPosture } from '../posture/admit.js';
import { sameHash, sha256 } from '../secrets.js';
import { reopenableSession } from './code-reopening.js';
import { parseCode } from './codes.js';
import type { DeviceRegistry } from './devices.js';
import { EnrolmentStep } from './enrolment-step.js';
import type { SessionStore } from './sessions.js';

/**
 * The first step of enrolment: a one-time code from IT (or a reopening of it by the same device)
 * becomes an `enrol` session, with every wrong try counted and paced before it is answered.
 */
export class CodeExchange extends EnrolmentStep {
  constructor(
    deps: ServiceDeps,
    private readonly sessions: SessionStore,
    private readonly devices: DeviceRegistry,
  ) {
    super(deps);
  }

  /**
   * Exchanges a one-time code for a session. Exactly one caller can win a code, however many race.
   * From a registered kiosk station the code works only after an operator confirmed its person at
   * that station, and the session is a kiosk session: security keys only, and shorter.
   */
  async openSession(
    input: string,
    jkt: string,
    device: DeviceSignals,
    confirmationId?: string,
  ): Promise<{ token: string; session: SessionView; kiosk: boolean }> {
    await this.devices.refuseRevoked(jkt);
    const parsed = parseCode(input);
    if (!parsed) throw new ApiFailure('code_invalid', 'code not recognised');
    const record = await this.db.selectFrom('enrolment_codes').selectAll().where('handle', '=', parsed.handle).executeTakeFirst();
    const now = this.now();
    const rules = codeTryRules(this.deps.config);
    // Each wrong try is counted, and the wait it would earn set, in one statement before it is
    // answered (server/limits/code-tries.ts): however many race, only the free tries and then one
    // per wait are answered `code_invalid`. A handle no code has earns the same waits and lock.
    if (!record) {
      const verdict = await reserveUnknownHandleTry(this.db, parsed.handle, now, rules);
      if (verdict.kind !== 'go') throw refusalOf(verdict);
      await lockUnknownHandleIfSpent(this.db, parsed.handle, verdict.failures, now, rules);
      throw this.wrongTry(verdict.failures);
    }
    if (sameHash(record.secret_hash, sha256(parsed.secret))) {
      // The right secret is never counted, but waits like any try while a lock or wait stands.
      const standing = standingRefusal(record, now, rules);
      if (standing) throw refusalOf(standing);
    } else {
      const verdict = await reserveCodeTry(this.db, record.id, now, rules);
      if (verdict.kind !== 'go') throw refusalOf(verdict);
      await this.recordFailedAttempt(record.id, record.user_id, verdict.failures);
      throw this.wrongTry(verdict.failures);
    }
    const reopening = record.used_at ? await reopenableSession(this.db, this.sessions, record, jkt, now) : null;
    if (record.used_at && !reopening) throw new ApiFailure('code_used', 'code already used');
    // The claim below compares used_at: a reopening in the same millisecond as the last claim could match
    // the value a racing reopening just wrote, so it waits for the clock to move.
    if (reopening && now.toISOString() <= (record.used_at ?? '')) throw new ApiFailure('code_used', 'code already used');
    if (record.expires_at <= now.toISOString()) throw new ApiFailure('code_expired', 'code expired');

    const user = await this.db.selectFrom('users').selectAll().where('id', '=', record.user_id).executeTakeFirstOrThrow();
    const { tier } = this.tier(user);
    // refuseRevoked above refused a lapsed or revoked station: a station found here is registered.
    const station = await stationOfKey(this.db, jkt);
    const confirmation = station ? await this.operatorConfirmation(station, user, tier, confirmationId) : undefined;
    const deviceRow = await this.devices.record(jkt, device, station ? 'kiosk' : 'personal');
    // Before the claim below: a device short of its tier's posture leaves the code unspent, its tries untouched.
    await admitPosture(this.deps, { user, resolved: this.tier(user), deviceId: deviceRow.id, signals: device, checkpoint: 'enrol' });
    const { config } = this.deps;
    const { token, row: session } = this.sessions.create({
      user,
      purpose: 'enrol',
      jkt,
      deviceId: deviceRow.id,
      ttlSeconds: station ? Math.min(config.kioskSessionTtlSeconds, config.sessionTtlSeconds) : config.sessionTtlSeconds,
      openedBy: 'enrolment-code',
      codeId: record.id,
      stationId: station?.id ?? null,
    });
    const won = await transaction(this.db, async (tx) => {
      await assertUserActive(tx, user.id, now);
      // Asked again under the person's row lock, which a completion takes first too: a completion that
      // committed since the question above has spent what this code was for (spare-enrolments.ts).
      if (reopening && !(await reopenableSession(tx, this.sessions, record, jkt, now))) return false;
      // A reopening wins only against the claim it found: two racing reopenings still give one session.
      const claim = await tx
        .updateTable('enrolment_codes')
        .set({ used_at: now.toISOString() })
        .where('id', '=', record.id)
        .where('used_at', record.used_at ? '=' : 'is', record.used_at)
        .executeTakeFirst();
      if (claim.numUpdatedRows !== 1n) return false;
      // Spent with the code, or neither is: two racing tabs cannot turn one confirmation into two sessions.
      // The operator asked about again in the transaction: a key revoked since the check above vouches for nobody.
      if (confirmation && !(await operatorStillTrusted(tx, this.deps.config.kioskOperatorRoles, confirmation, now))) {
        throw new ApiFailure('operator_confirmation_required', 'the operator who confirmed this person is no longer trusted');
      }
      if (confirmation && !(await spendConfirmationIn(tx, confirmation.id, session.id, now))) {
        throw new ApiFailure('operator_confirmation_required', 'the operator confirmation was already used');
      }
      await tx.insertInto('sessions').values(session).execute();
      await appendAuditIn(tx, this.deps.clock, {
        event: 'session.opened',
        actor: user.username,
        userId: user.id,
        details: {
          sessionId: session.id,
          purpose: 'enrol',
          deviceId: deviceRow.id,
          stationId: station?.id ?? null,
          codeId: record.id,
          tier: this.tier(user).name,
        },
      });
      if (reopening) {
        await appendAuditIn(tx, this.deps.clock, {
          event: 'code.reopened',
          actor: user.username,
          userId: user.id,
          details: {
            codeId: record.id,
            endedSessionId: reopening.id,
            ended: reopening.ended,
            sessionId: session.id,
            deviceId: deviceRow.id,
          },
        });
      }
      if (confirmation) {
        await appendAuditIn(tx, this.deps.clock, {
          event: 'kiosk.confirmation_used',
          actor: user.username,
          userId: user.id,
          details: { confirmationId: confirmation.id, sessionId: session.id, stationId: confirmation.station_id },
        });
      }
      return true;
    });
    if (!won) throw new ApiFailure('code_used', 'code already used');
    return { token, session: { ...this.sessions.view(session, user), codeReopensUntil: record.expires_at }, kiosk: station !== undefined };
  }

  /** At a station: the confirmation the station named, if it is this person's live one there, or the refusal. The code stays unused. */
  private async operatorConfirmation(station: StationRow, user: UserRow, tier: Tier, confirmationId: string | undefined) {
    if (!allowsFactor(tier, 'security-key')) {
      throw new ApiFailure('factor_not_allowed', 'this person’s policy allows no security key, the only factor a kiosk station binds');
    }
    const named = await namedConfirmation(this.db, confirmationId, {
      stationId: station.id,
      userId: user.id,
      now: this.now(),
      kioskOperatorRoles: this.deps.config.kioskOperatorRoles,
    });
    if (!named.ok) {
      await this.audit({
        event: 'kiosk.refused',
        actor: station.name,
        userId: user.id,
        details: {
          stationId: station.id,
          reason: 'no_operator_confirmation',
          confirmation: named.reason,
          confirmationId: confirmationId ?? null,
        },
      });
      throw new ApiFailure('operator_confirmation_required', 'an operator must confirm this person at this station first');
    }
    return named.confirmation;
  }

  /** A wrong code's refusal, with the tries left: the same for a live code and a handle no code has. */
  private wrongTry(failures: number): ApiFailure {
    const { config } = this.deps;
    return wrongCode('code_invalid', 'code not recognised', triesLeft(failures, backoffOf(config).freeFailures, config.codeMaxAttempts));
  }

  /** The try was counted when it was reserved: here only the lock it may earn, the notice and the audit row. */
  private async recordFailedAttempt(codeId: string, userId: string, attempts: number): Promise<void> {
    const backoff = backoffOf(this.deps.config);
    await transaction(this.db, async (tx) => {
      const locked = await lockCodeIfSpent(tx, codeId, attempts, this.now(), codeTryRules(this.deps.config));
      if (!locked && firstSlowed(attempts, backoff)) {
        const user = await tx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
        await notify(tx, this.deps.clock, {
          user,
          kind: 'codes.guessed',
          details: { codes: 'enrolment', codeId, failures: attempts, waitSeconds: delayAfter(attempts, backoff) },
        });
      }
      await appendAuditIn(tx, this.deps.clock, {
        event: locked ? 'code.locked' : 'code.refused',
        actor: 'anonymous',
        userId,
        details: { codeId, attempts },
      });
    });
  }
}
