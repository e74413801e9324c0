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
import { appendAuditIn } from '../audit.js';
import { addSeconds } from '../clock.js';
import type { Caller, ServiceDeps } from '../context.js';
import type { CredentialRow, SessionRow, UserRow } from '../db/schema.js';
import { ApiFailure } from '../errors.js';
import { allowsFactor, factorRequirements, judgeRegistration, refusalCode } from '../policy/evaluate.js';
import { sha256 } from '../secrets.js';
import { buildCreationOptions, verifyRegistration } from '../webauthn/registration.js';
import { claimsPlatformAttestation, notASecurityKey } from '../kiosk/security-key-only.js';
import type { Completion } from './completion.js';
import type { DeviceRegistry } from './devices.js';
import { EnrolmentStep } from './enrolment-step.js';
import type { SessionStore } from './sessions.js';
import { credentialView } from './views.js';
import { CodeExchange } from './code-exchange.js';

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
export class EnrolmentService extends EnrolmentStep {
  private readonly exchange: CodeExchange;

  constructor(
    deps: ServiceDeps,
    private readonly sessions: SessionStore,
    devices: DeviceRegistry,
    private readonly completion: Completion,
  ) {
    super(deps);
    this.exchange = new CodeExchange(deps, sessions, devices);
  }

  /** Exchanges a one-time code for a session (server/enrolment/code-exchange.ts). */
  openSession(input: string, jkt: string, device: DeviceSignals, confirmationId?: string) {
    return this.exchange.openSession(input, jkt, device, confirmationId);
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
