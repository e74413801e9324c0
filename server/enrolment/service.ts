import { sweepAbandonedFactors } from './sweeper.js';
import { transaction } from '../db/transaction.js';
import type {
  CompleteRequestInput,
  CompleteResponse,
  CredentialView,
  DeviceSignals,
  FactorKind,
  SessionView,
} from '../../api/enrolment.js';
import { CompleteRequest } from '../../api/enrolment.js';
import type { CreationOptionsJSON, RegistrationResponseJSON } from '../../api/webauthn.js';
import { authenticatorNameFor } from '../attestation/names.js';
import { appendAudit, appendAuditIn, type AuditEntry } from '../audit.js';
import { addSeconds } from '../clock.js';
import type { Caller, ServiceDeps } from '../context.js';
import type { CredentialRow, SessionRow, StationRow, UserRow } from '../db/schema.js';
import { ApiFailure, wrongCode } from '../errors.js';
import { triesLeft } from '../limits/tries-left.js';
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
import { notify } from '../notifications/outbox.js';
import { allowsFactor, factorRequirements, judgeRegistration, refusalCode, tierFor, type ResolvedTier } from '../policy/evaluate.js';
import { sameHash, sha256 } from '../secrets.js';
import { buildCreationOptions, verifyRegistration } from '../webauthn/registration.js';
import { namedConfirmation, spendConfirmationIn } from '../kiosk/confirmations.js';
import { claimsPlatformAttestation, notASecurityKey } from '../kiosk/security-key-only.js';
import { stationOfKey } from '../kiosk/station-state.js';
import type { Tier } from '../policy/schema.js';
import { parseCode } from './codes.js';
import { reopenableSession } from './code-reopening.js';
import type { Completion } from './completion.js';
import type { DeviceRegistry } from './devices.js';
import type { SessionStore } from './sessions.js';
import { credentialView } from './views.js';
import { assertUserActive } from '../accounts/active.js';
import { admitPosture } from '../posture/admit.js';

/** A kiosk session asks for, and verifies, security keys only: a passkey would stay on the shared station. */
function refuseAtKiosk(session: SessionRow, factor: FactorKind): void {
  if (session.station_id && factor !== 'security-key') {
    throw new ApiFailure('kiosk_security_key_only', 'a kiosk session binds security keys only');
  }
}

/**
 * Purposes that register factors. `manage` ("Add a key" in My security) only while its assertion is
 * fresh, like removing one: a session left open on a desk must not take a stranger's key.
 */
const REGISTERING = ['enrol', 'replace', 'recover', 'manage'] as const;

/**
 * The enrolment flow of DESIGN.md (code -> session -> options -> registration -> complete),
 * one method per call. Sessions opened by an assertion or a recovery share its registration
 * and completion steps.
 */
export class EnrolmentService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly sessions: SessionStore,
    private readonly devices: DeviceRegistry,
    private readonly completion: Completion,
  ) {}

  private get db() {
    return this.deps.db;
  }
  private now() {
    return this.deps.clock.now();
  }
  private tier(user: UserRow): ResolvedTier {
    return tierFor(this.deps.policy.policy, user);
  }
  /** For refusals that change nothing else: the audit row is the whole write. */
  private audit(entry: AuditEntry) {
    return appendAudit(this.db, this.deps.clock, entry);
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
      // A reopening wins only against the claim it found: two racing reopenings still give one session.
      const claim = await tx
        .updateTable('enrolment_codes')
        .set({ used_at: now.toISOString() })
        .where('id', '=', record.id)
        .where('used_at', record.used_at ? '=' : 'is', record.used_at)
        .executeTakeFirst();
      if (claim.numUpdatedRows !== 1n) return false;
      // Spent with the code, or neither is: two racing tabs cannot turn one confirmation into two sessions.
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
    const named = await namedConfirmation(this.db, confirmationId, station.id, user.id, this.now());
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

  /** A credential registered as a security key that is not one: kiosk_security_key_only at a station, not_a_security_key elsewhere. */
  private async refuseNotAKey(
    session: SessionRow,
    user: UserRow,
    factor: FactorKind,
    reason: string,
    aaguid: string | null,
  ): Promise<never> {
    await this.audit({
      event: session.station_id ? 'kiosk.factor_refused' : 'factor.refused',
      actor: user.username,
      userId: user.id,
      details: { factor, reason, aaguid, stationId: session.station_id, deviceId: session.device_id },
    });
    if (session.station_id) throw new ApiFailure('kiosk_security_key_only', `a kiosk session binds security keys only (${reason})`);
    throw new ApiFailure('not_a_security_key', `registered as a security key, but it is not one (${reason})`);
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

  /**
   * A manage session adds a key only if its assertion stays fresh for the whole ceremony: checked when
   * the options are issued, after which the challenge carries it (a key the person already touched is
   * never refused halfway, leaving a credential on it the server never saw).
   */
  private async liveRegistering(caller: Caller, startingCeremony = false) {
    const live = await this.sessions.live(caller, REGISTERING);
    if (startingCeremony && live.session.purpose === 'manage') {
      this.sessions.requireFresh(live.session, this.deps.config.ceremonyTimeoutMs / 1000);
    }
    return live;
  }

  async getSession(caller: Caller): Promise<SessionView> {
    const { session, user } = await this.sessions.live(caller);
    return this.sessions.view(session, user);
  }

  async registrationOptions(caller: Caller, factor: FactorKind): Promise<CreationOptionsJSON> {
    const { session, user } = await this.liveRegistering(caller, true);
    refuseAtKiosk(session, factor);
    const { tier } = this.tier(user);
    if (!allowsFactor(tier, factor)) throw new ApiFailure('factor_not_allowed', `${factor} not allowed for this user`);
    // What other sessions left pending can never become active: clear it before it is counted.
    await sweepAbandonedFactors(this.deps, user.id);
    // Revoked factors stay out of excludeCredentials, so the same key can be registered again; so do
    // factors another live session has pending, which this session can never complete.
    const existing = await this.db
      .selectFrom('credentials')
      .select(['id', 'session_id'])
      .where('user_id', '=', user.id)
      .where((eb) =>
        eb.or([eb('status', 'in', ['active', 'suspended']), eb.and([eb('status', '=', 'pending'), eb('session_id', '=', session.id)])]),
      )
      .execute();
    // A recovery retires every old factor as it completes: only what it registers itself counts.
    const counted = session.purpose === 'recover' ? existing.filter((c) => c.session_id === session.id) : existing;
    if (counted.length >= tier.maxFactors) throw new ApiFailure('factor_limit_reached', `at most ${tier.maxFactors} factors`);
    const requirements = factorRequirements(tier, factor);
    const options = await buildCreationOptions({
      rpId: this.deps.config.rpId,
      rpName: this.deps.config.rpName,
      user: { id: user.id, username: user.username, displayName: user.display_name },
      factor,
      // At a station the statement is asked for whatever the tier says: a platform authenticator's
      // own format (tpm, apple, android) then gives it away even where the client hides the rest.
      requirements: session.station_id ? { ...requirements, attestation: 'direct' } : requirements,
      excludeCredentialIds: existing.map((c) => c.id),
      timeoutMs: this.deps.config.ceremonyTimeoutMs,
    });
    const challengeExpires = addSeconds(this.now(), this.deps.config.ceremonyTimeoutMs / 1000);
    const sessionEnd = new Date(session.expires_at);
    await this.db
      .updateTable('sessions')
      .set({
        challenge: options.challenge,
        challenge_factor: factor,
        challenge_expires_at: (challengeExpires < sessionEnd ? challengeExpires : sessionEnd).toISOString(),
      })
      .where('id', '=', session.id)
      .execute();
    return options;
  }

  /** `name`: the person's own name for the new factor, already trimmed and bounded by the contract; absent when they kept the default. */
  async verifyRegistration(caller: Caller, factor: FactorKind, response: RegistrationResponseJSON, name?: string): Promise<CredentialView> {
    const { session, user } = await this.liveRegistering(caller);
    refuseAtKiosk(session, factor);
    const challenge = session.challenge;
    if (!challenge || session.challenge_factor !== factor || (session.challenge_expires_at ?? '') <= this.now().toISOString()) {
      throw new ApiFailure('challenge_missing', 'ask for registration options first');
    }
    // Spend the challenge before verifying: a replayed response finds nothing to match.
    const spent = await this.db
      .updateTable('sessions')
      .set({ challenge: null, challenge_factor: null, challenge_expires_at: null })
      .where('id', '=', session.id)
      .where('challenge', '=', challenge)
      .executeTakeFirst();
    // Another request (here or on another instance) spent it first.
    if (spent.numUpdatedRows !== 1n) throw new ApiFailure('challenge_missing', 'ask for registration options first');

    const claimed = factor === 'security-key' ? claimsPlatformAttestation(response) : null;
    if (claimed) return this.refuseNotAKey(session, user, factor, claimed, null);
    const resolved = this.tier(user);
    const outcome = await verifyRegistration({
      response,
      expectedChallenge: challenge,
      expectedOrigins: this.deps.config.origins,
      expectedRpId: this.deps.config.rpId,
      requireUserVerification: factorRequirements(resolved.tier, factor).userVerification === 'required',
    });
    if (!outcome.ok) {
      await this.audit({
        event: 'factor.refused',
        actor: user.username,
        userId: user.id,
        details: { factor, reason: outcome.reason, deviceId: session.device_id },
      });
      throw new ApiFailure('verification_failed', outcome.reason);
    }
    const c = outcome.credential;
    // What is recorded as a security key must be one, wherever it is registered: policy and the
    // operator step trust that factor as a key in hand, not a passkey that syncs or stays on a computer.
    const notAKey = factor === 'security-key' ? notASecurityKey(response, c) : null;
    if (notAKey) return this.refuseNotAKey(session, user, factor, notAKey, c.aaguid);
    const finding = await this.deps.attestation(c);
    // Metadata naming the model a platform authenticator refuses it, whatever the response claims.
    if (factor === 'security-key' && finding.platformAuthenticator) {
      return this.refuseNotAKey(session, user, factor, 'platform_authenticator_model', c.aaguid);
    }
    const refusal = judgeRegistration(resolved.tier, c, finding);
    if (refusal) {
      await this.audit({
        event: 'factor.refused',
        actor: user.username,
        userId: user.id,
        details: { factor, reason: refusal, aaguid: c.aaguid, tier: resolved.name, deviceId: session.device_id },
      });
      throw new ApiFailure(refusalCode(refusal), refusal);
    }
    const row: CredentialRow = {
      id: c.credentialId,
      user_id: user.id,
      session_id: session.id,
      factor,
      status: 'pending',
      public_key: c.publicKey,
      counter: c.counter,
      transports: JSON.stringify(c.transports),
      aaguid: c.aaguid,
      attestation_format: c.attestationFormat,
      backup_eligible: c.backupEligible ? 1 : 0,
      backed_up: c.backedUp ? 1 : 0,
      user_verified: c.userVerified ? 1 : 0,
      created_at: this.now().toISOString(),
      device_id: session.device_id,
      authenticator_name: authenticatorNameFor(c.aaguid, finding.authenticatorName),
      expires_at:
        resolved.tier.factorLifetimeDays === null ? null : addSeconds(this.now(), resolved.tier.factorLifetimeDays * 86_400).toISOString(),
      policy_tier: resolved.name,
      name: name ?? null,
      last_used_at: null,
      status_changed_at: null,
    };
    await transaction(this.db, async (tx) => {
      const clash = await tx.selectFrom('credentials').select('id').where('id', '=', c.credentialId).executeTakeFirst();
      if (clash) throw new ApiFailure('credential_exists', 'this authenticator is already registered');
      await tx.insertInto('credentials').values(row).execute();
      await appendAuditIn(tx, this.deps.clock, {
        event: 'factor.registered',
        actor: user.username,
        userId: user.id,
        details: {
          credentialId: row.id,
          factor,
          aaguid: row.aaguid,
          format: row.attestation_format,
          deviceId: session.device_id,
          sessionId: session.id,
          tier: resolved.name,
        },
      });
    });
    return credentialView(row);
  }

  /**
   * Activates what this session registered and closes it; what else happens depends on its
   * purpose (server/enrolment/completion.ts). Nothing registered, nothing to complete (except a
   * `replace` session that rebinds).
   */
  async complete(caller: Caller, request: CompleteRequestInput = {}): Promise<CompleteResponse> {
    const body = CompleteRequest.parse(request);
    const { session, user } = await this.liveRegistering(caller);
    return this.completion.complete(session, user, body);
  }

  /** The user walked away or started over: the session ends and what it registered never becomes usable. */
  async end(caller: Caller): Promise<void> {
    const session = await this.db.selectFrom('sessions').selectAll().where('token_hash', '=', sha256(caller.token)).executeTakeFirst();
    if (!session || session.ended_at || session.completed_at) return;
    if (session.jkt !== caller.jkt) throw new ApiFailure('dpop_invalid', 'the session is bound to another device key');
    await transaction(this.db, async (tx) => {
      await tx.updateTable('sessions').set({ ended_at: this.now().toISOString(), challenge: null }).where('id', '=', session.id).execute();
      await tx.deleteFrom('credentials').where('session_id', '=', session.id).where('status', '=', 'pending').execute();
      await appendAuditIn(tx, this.deps.clock, {
        event: 'session.ended',
        actor: 'app',
        userId: session.user_id,
        details: { sessionId: session.id, deviceId: session.device_id },
      });
    });
  }
}
