import type { CompleteResponse, CredentialView, DeviceSignals, FactorKind, SessionView } from '../../api/enrolment.js';
import type { CreateUserRequest, IssueCodeResponse, UserView } from '../../api/admin.js';
import type { RegistrationResponseJSON, CreationOptionsJSON } from '../../api/webauthn.js';
import { CreateUserRequest as CreateUserSchema } from '../../api/admin.js';
import { appendAudit } from '../audit.js';
import { addSeconds, type Clock } from '../clock.js';
import type { ServerConfig } from '../config.js';
import type { Db } from '../db/open.js';
import type { CredentialRow, SessionRow, UserRow } from '../db/schema.js';
import { ApiFailure } from '../errors.js';
import { allowsFactor, factorRequirements, judgeRegistration, requirementsOf, tierFor, type AttestationJudge, type ResolvedTier } from '../policy/evaluate.js';
import type { PolicyStore } from '../policy/store.js';
import { newId, newToken, sameHash, sha256 } from '../secrets.js';
import { buildCreationOptions, verifyRegistration } from '../webauthn/registration.js';
import { generateCode, parseCode } from './codes.js';
import { DeviceRegistry } from './devices.js';

export interface EnrolmentDeps {
  db: Db;
  clock: Clock;
  config: ServerConfig;
  policy: PolicyStore;
  attestation: AttestationJudge;
}

type Actor = string;

/** Who is calling: the session token and the thumbprint of the device key that signed the request's DPoP proof. */
export interface Caller {
  token: string;
  jkt: string;
}

function userView(u: UserRow): UserView {
  return {
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    role: u.role,
    accountKind: u.account_kind,
    employmentType: u.employment_type,
  };
}

function credentialView(c: CredentialRow): CredentialView {
  return {
    id: c.id,
    factor: c.factor,
    status: c.status,
    authenticatorName: c.authenticator_name,
    createdAt: c.created_at,
    expiresAt: c.expires_at,
  };
}

/** The enrolment flow of DESIGN.md (code -> session -> options -> registration -> complete), one method per call. */
export class EnrolmentService {
  readonly devices: DeviceRegistry;

  constructor(private readonly deps: EnrolmentDeps) {
    this.devices = new DeviceRegistry(deps);
  }

  private get db() {
    return this.deps.db;
  }
  private now() {
    return this.deps.clock.now();
  }
  private tier(user: UserRow): ResolvedTier {
    return tierFor(this.deps.policy.policy, user);
  }

  private audit(entry: Parameters<typeof appendAudit>[2]) {
    return appendAudit(this.db, this.deps.clock, entry);
  }

  async createUser(input: CreateUserRequest, actor: Actor): Promise<UserView> {
    const data = CreateUserSchema.parse(input);
    const existing = await this.db.selectFrom('users').select('id').where('username', '=', data.username).executeTakeFirst();
    if (existing) throw new ApiFailure('invalid_request', `user ${data.username} already exists`);
    const row: UserRow = {
      id: newId(),
      username: data.username,
      display_name: data.displayName,
      email: data.email ?? null,
      role: data.role,
      account_kind: data.accountKind,
      employment_type: data.employmentType,
      created_at: this.now().toISOString(),
    };
    await this.db.insertInto('users').values(row).execute();
    await this.audit({ event: 'user.created', actor, userId: row.id, details: { role: row.role, kind: row.account_kind } });
    return userView(row);
  }

  async findUser(username: string): Promise<UserRow> {
    const user = await this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    if (!user) throw new ApiFailure('not_found', `no user ${username}`);
    return user;
  }

  async issueCode(username: string, actor: Actor, ttlSeconds?: number): Promise<IssueCodeResponse> {
    const user = await this.findUser(username);
    this.tier(user); // refuse before a code for a service account ever exists
    const ttl = Math.min(ttlSeconds ?? this.deps.config.codeTtlSeconds, this.deps.config.codeTtlSeconds);
    let code = generateCode();
    const now = this.now();
    const expiresAt = addSeconds(now, ttl).toISOString();
    const id = newId();
    // The public handle is short (20 bits) and unique across every code ever issued, so a new
    // code's handle sometimes clashes with an old one's (likely within ~1000 codes): draw again.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db
          .insertInto('enrolment_codes')
          .values({
            id,
            user_id: user.id,
            handle: code.handle,
            secret_hash: sha256(code.secret),
            created_at: now.toISOString(),
            expires_at: expiresAt,
            used_at: null,
            locked_at: null,
          })
          .execute();
        break;
      } catch (error) {
        const clash = await this.db.selectFrom('enrolment_codes').select('id').where('handle', '=', code.handle).executeTakeFirst();
        if (!clash || attempt >= 8) throw error;
        code = generateCode();
      }
    }
    await this.audit({ event: 'code.issued', actor, userId: user.id, details: { codeId: id, ttlSeconds: ttl } });
    const link = `${this.deps.config.linkBase}?code=${encodeURIComponent(code.display)}`;
    return { code: code.display, link, expiresAt };
  }

  /** Exchanges a one-time code for a session. Exactly one caller can win a code, however many race. */
  async openSession(input: string, jkt: string, device: DeviceSignals): Promise<{ token: string; session: SessionView }> {
    await this.devices.refuseRevoked(jkt);
    const parsed = parseCode(input);
    if (!parsed) throw new ApiFailure('code_invalid', 'code not recognised');
    const record = await this.db.selectFrom('enrolment_codes').selectAll().where('handle', '=', parsed.handle).executeTakeFirst();
    if (!record) throw new ApiFailure('code_invalid', 'code not recognised');
    const now = this.now();
    if (record.locked_at) throw new ApiFailure('code_locked', 'too many wrong attempts');
    if (!sameHash(record.secret_hash, sha256(parsed.secret))) {
      await this.recordFailedAttempt(record.id, record.user_id, record.failed_attempts + 1);
      throw new ApiFailure('code_invalid', 'code not recognised');
    }
    if (record.used_at) throw new ApiFailure('code_used', 'code already used');
    if (record.expires_at <= now.toISOString()) throw new ApiFailure('code_expired', 'code expired');

    const user = await this.db.selectFrom('users').selectAll().where('id', '=', record.user_id).executeTakeFirstOrThrow();
    const { tier } = this.tier(user);
    const deviceRow = await this.devices.record(jkt, device);
    const token = newToken();
    const session: SessionRow = {
      id: newId(),
      user_id: user.id,
      code_id: record.id,
      purpose: 'enrol',
      token_hash: sha256(token),
      created_at: now.toISOString(),
      expires_at: addSeconds(now, Math.min(tier.sessionTtlSeconds ?? Infinity, this.deps.config.sessionTtlSeconds)).toISOString(),
      completed_at: null,
      ended_at: null,
      challenge: null,
      challenge_factor: null,
      challenge_expires_at: null,
      jkt,
      device_id: deviceRow.id,
      last_seen_at: now.toISOString(),
    };
    const won = await this.db.transaction().execute(async (tx) => {
      const claim = await tx
        .updateTable('enrolment_codes')
        .set({ used_at: now.toISOString() })
        .where('id', '=', record.id)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (claim.numUpdatedRows !== 1n) return false;
      await tx.insertInto('sessions').values(session).execute();
      return true;
    });
    if (!won) throw new ApiFailure('code_used', 'code already used');
    await this.audit({ event: 'session.opened', actor: user.username, userId: user.id, details: { sessionId: session.id, purpose: 'enrol', deviceId: deviceRow.id } });
    return { token, session: this.sessionView(session, user) };
  }

  private async recordFailedAttempt(codeId: string, userId: string, attempts: number): Promise<void> {
    const locked = attempts >= this.deps.config.codeMaxAttempts;
    await this.db
      .updateTable('enrolment_codes')
      .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1), locked_at: locked ? this.now().toISOString() : null }))
      .where('id', '=', codeId)
      .execute();
    await appendAudit(this.db, this.deps.clock, { event: locked ? 'code.locked' : 'code.refused', actor: 'anonymous', userId, details: { codeId, attempts } });
  }

  private sessionView(s: SessionRow, user: UserRow): SessionView {
    const { tier } = this.tier(user);
    return {
      id: s.id,
      purpose: s.purpose,
      user: { username: user.username, displayName: user.display_name },
      allowedFactors: tier.factors,
      requirements: requirementsOf(tier),
      expiresAt: this.effectiveExpiry(s),
      serverTime: this.now().toISOString(),
    };
  }

  /** The earlier of the session's lifetime and its idle limit: when it ends if nothing more happens. */
  private effectiveExpiry(s: SessionRow): string {
    const idleEnd = addSeconds(new Date(s.last_seen_at ?? s.created_at), this.deps.config.sessionIdleSeconds).toISOString();
    return idleEnd < s.expires_at ? idleEnd : s.expires_at;
  }

  /**
   * Finds the live session a token names, signed by the key it is bound to, or
   * says precisely why there is none. Each use pushes the idle limit back.
   */
  private async liveSession(caller: Caller): Promise<{ session: SessionRow; user: UserRow }> {
    const found = await this.db.selectFrom('sessions').selectAll().where('token_hash', '=', sha256(caller.token)).executeTakeFirst();
    if (!found || found.ended_at) throw new ApiFailure('session_invalid', 'no such session');
    // A copied token is useless without the device key it was issued to.
    if (found.jkt !== caller.jkt) throw new ApiFailure('dpop_invalid', 'the session is bound to another device key');
    await this.devices.refuseRevoked(caller.jkt);
    if (found.completed_at) throw new ApiFailure('session_completed', 'session already completed');
    const now = this.now().toISOString();
    if (this.effectiveExpiry(found) <= now) throw new ApiFailure('session_expired', 'session expired');
    await this.db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', found.id).execute();
    const session = { ...found, last_seen_at: now };
    const user = await this.db.selectFrom('users').selectAll().where('id', '=', session.user_id).executeTakeFirstOrThrow();
    return { session, user };
  }

  async getSession(caller: Caller): Promise<SessionView> {
    const { session, user } = await this.liveSession(caller);
    return this.sessionView(session, user);
  }

  async registrationOptions(caller: Caller, factor: FactorKind): Promise<CreationOptionsJSON> {
    const { session, user } = await this.liveSession(caller);
    const { tier } = this.tier(user);
    if (!allowsFactor(tier, factor)) throw new ApiFailure('factor_not_allowed', `${factor} not allowed for this user`);
    // Revoked factors stay out of excludeCredentials, so the same key can be registered again.
    const existing = await this.db
      .selectFrom('credentials')
      .select('id')
      .where('user_id', '=', user.id)
      .where('status', '!=', 'revoked')
      .execute();
    if (existing.length >= tier.maxFactors) throw new ApiFailure('factor_limit_reached', `at most ${tier.maxFactors} factors`);
    const options = await buildCreationOptions({
      rpId: this.deps.config.rpId,
      rpName: this.deps.config.rpName,
      user: { id: user.id, username: user.username, displayName: user.display_name },
      factor,
      requirements: factorRequirements(tier, factor),
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

  async verifyRegistration(caller: Caller, factor: FactorKind, response: RegistrationResponseJSON): Promise<CredentialView> {
    const { session, user } = await this.liveSession(caller);
    const challenge = session.challenge;
    if (!challenge || session.challenge_factor !== factor || (session.challenge_expires_at ?? '') <= this.now().toISOString()) {
      throw new ApiFailure('challenge_missing', 'ask for registration options first');
    }
    // Spend the challenge before verifying: a replayed response finds nothing to match.
    await this.db.updateTable('sessions').set({ challenge: null, challenge_factor: null, challenge_expires_at: null }).where('id', '=', session.id).execute();

    const resolved = this.tier(user);
    const outcome = await verifyRegistration({
      response,
      expectedChallenge: challenge,
      expectedOrigins: this.deps.config.origins,
      expectedRpId: this.deps.config.rpId,
      requireUserVerification: factorRequirements(resolved.tier, factor).userVerification === 'required',
    });
    if (!outcome.ok) {
      await this.audit({ event: 'factor.refused', actor: user.username, userId: user.id, details: { factor, reason: outcome.reason } });
      throw new ApiFailure('verification_failed', outcome.reason);
    }
    const c = outcome.credential;
    const finding = await this.deps.attestation(c);
    const refusal = judgeRegistration(resolved.tier, c, finding);
    if (refusal) {
      await this.audit({
        event: 'factor.refused',
        actor: user.username,
        userId: user.id,
        details: { factor, reason: refusal, aaguid: c.aaguid, tier: resolved.name },
      });
      throw new ApiFailure('authenticator_not_allowed', refusal);
    }
    const clash = await this.db.selectFrom('credentials').select('id').where('id', '=', c.credentialId).executeTakeFirst();
    if (clash) throw new ApiFailure('credential_exists', 'this authenticator is already registered');
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
      authenticator_name: finding.authenticatorName,
      expires_at:
        resolved.tier.factorLifetimeDays === null ? null : addSeconds(this.now(), resolved.tier.factorLifetimeDays * 86_400).toISOString(),
      policy_tier: resolved.name,
    };
    await this.db.insertInto('credentials').values(row).execute();
    await this.audit({
      event: 'factor.registered',
      actor: user.username,
      userId: user.id,
      details: { credentialId: row.id, factor, aaguid: row.aaguid, format: row.attestation_format },
    });
    return credentialView(row);
  }

  /** Activates what this session registered and closes it. Nothing registered, nothing to complete. */
  async complete(caller: Caller): Promise<CompleteResponse> {
    const { session, user } = await this.liveSession(caller);
    const now = this.now().toISOString();
    const activated = await this.db.transaction().execute(async (tx) => {
      const result = await tx
        .updateTable('credentials')
        .set({ status: 'active' })
        .where('session_id', '=', session.id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) return false;
      await tx.updateTable('sessions').set({ completed_at: now, challenge: null }).where('id', '=', session.id).execute();
      return true;
    });
    if (!activated) throw new ApiFailure('nothing_registered', 'register a factor before completing');
    await this.audit({ event: 'session.completed', actor: user.username, userId: user.id, details: { sessionId: session.id } });
    const credentials = await this.db
      .selectFrom('credentials')
      .selectAll()
      .where('user_id', '=', user.id)
      .where('status', '=', 'active')
      .orderBy('created_at')
      .execute();
    return { user: { username: user.username, displayName: user.display_name }, credentials: credentials.map(credentialView) };
  }

  /** The user walked away or started over: the session ends and what it registered never becomes usable. */
  async end(caller: Caller): Promise<void> {
    const session = await this.db.selectFrom('sessions').selectAll().where('token_hash', '=', sha256(caller.token)).executeTakeFirst();
    if (!session || session.ended_at || session.completed_at) return;
    if (session.jkt !== caller.jkt) throw new ApiFailure('dpop_invalid', 'the session is bound to another device key');
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('sessions').set({ ended_at: this.now().toISOString(), challenge: null }).where('id', '=', session.id).execute();
      await tx.deleteFrom('credentials').where('session_id', '=', session.id).where('status', '=', 'pending').execute();
    });
    await this.audit({ event: 'session.ended', actor: 'app', userId: session.user_id, details: { sessionId: session.id } });
  }

  /** Removes factors left pending by sessions that expired: they were never usable and never will be. */
  async sweepExpired(): Promise<number> {
    const now = this.now().toISOString();
    const idleCutoff = addSeconds(this.now(), -this.deps.config.sessionIdleSeconds).toISOString();
    const stale = this.db
      .selectFrom('sessions')
      .select('id')
      .where('completed_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', idleCutoff), eb('ended_at', 'is not', null)]));
    const result = await this.db.deleteFrom('credentials').where('status', '=', 'pending').where('session_id', 'in', stale).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
