import { transaction } from '../db/transaction.js';
import type { SessionView } from '../../api/enrolment.js';
import type { AuthenticateRequest, AuthenticationOptionsResponse, AuthenticationPurpose } from '../../api/security.js';
import { appendAudit, appendAuditIn } from '../audit.js';
import { addSeconds } from '../clock.js';
import type { ServiceDeps } from '../context.js';
import type { DeviceRegistry } from '../enrolment/devices.js';
import type { SessionStore } from '../enrolment/sessions.js';
import { ApiFailure } from '../errors.js';
import { factorRequirements, tierFor } from '../policy/evaluate.js';
import { newId } from '../secrets.js';
import { buildRequestOptions, verifyAuthentication } from '../webauthn/authentication.js';
import { assertUserActive } from '../accounts/active.js';
import { admitPosture } from '../posture/admit.js';
import { recordBreakGlassUseIn } from '../break-glass/use.js';
import { decoyCredential } from './decoy.js';
import { signInAccount } from './factors.js';

/**
 * Sessions opened by a factor the user still has: authentication options for a username, then
 * an assertion, verified against the stored credential, opens a `replace` or `manage` session
 * bound to the device key that asked. A username with no usable factor (or none at all) gets
 * options that look the same, naming a decoy credential derived from a server secret, so the
 * answer does not tell whether the username exists.
 */
export class AuthenticationService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly sessions: SessionStore,
    private readonly devices: DeviceRegistry,
  ) {}

  async options(username: string, purpose: AuthenticationPurpose, jkt: string): Promise<AuthenticationOptionsResponse> {
    const { db, clock, config } = this.deps;
    await this.devices.refuseRevoked(jkt);
    await this.devices.refuseStation(jkt);
    const now = clock.now();
    const account = await signInAccount(db, username, now);
    const usable = account?.factors ?? [];
    const user = account?.user;
    const known = user !== undefined;
    const tier = known ? tierFor(this.deps.policy.policy, user).tier : null;
    // Passkeys always verify the user; security keys as the tier says.
    const allPasskeys = usable.length > 0 && usable.every((c) => c.factor === 'passkey');
    const userVerification = tier?.userVerification === 'required' || allPasskeys ? 'required' : 'preferred';
    const options = await buildRequestOptions({
      rpId: config.rpId,
      allowCredentials: known
        ? usable.map((c) => ({ id: c.id, transports: JSON.parse(c.transports) as string[] }))
        : [await decoyCredential(db, username)],
      userVerification,
      timeoutMs: config.ceremonyTimeoutMs,
    });
    const ceremonyId = newId();
    const deviceId = await this.devices.idOf(jkt);
    await transaction(db, async (tx) => {
      await tx
        .insertInto('assertion_ceremonies')
        .values({
          id: ceremonyId,
          user_id: known ? user.id : null,
          purpose,
          jkt,
          challenge: options.challenge,
          created_at: now.toISOString(),
          expires_at: addSeconds(now, config.ceremonyTimeoutMs / 1000).toISOString(),
          used_at: null,
        })
        .execute();
      await appendAuditIn(tx, clock, {
        event: 'auth.challenged',
        actor: 'app',
        userId: known ? user.id : null,
        details: { ceremonyId, purpose, knownUser: known, deviceId },
      });
    });
    return { ceremonyId, options };
  }

  /** Verifies the assertion and opens the session the ceremony was for. */
  async openSession(input: AuthenticateRequest, jkt: string): Promise<{ token: string; session: SessionView; kiosk: false }> {
    const { db, clock, config } = this.deps;
    await this.devices.refuseRevoked(jkt);
    await this.devices.refuseStation(jkt);
    const now = clock.now().toISOString();
    const ceremony = await db.selectFrom('assertion_ceremonies').selectAll().where('id', '=', input.ceremonyId).executeTakeFirst();
    if (!ceremony || ceremony.jkt !== jkt || ceremony.used_at || ceremony.expires_at <= now) {
      throw new ApiFailure('challenge_missing', 'ask for authentication options first');
    }
    // Spend the challenge before verifying: a replayed assertion finds nothing to match.
    const spent = await db
      .updateTable('assertion_ceremonies')
      .set({ used_at: now })
      .where('id', '=', ceremony.id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (spent.numUpdatedRows !== 1n) throw new ApiFailure('challenge_missing', 'ask for authentication options first');

    const credentialId = input.response.id;
    const refuse = async (
      reason: string,
      code: 'verification_failed' | 'factor_revoked' | 'factor_expired' = 'verification_failed',
    ): Promise<never> => {
      const deviceId = await this.devices.idOf(jkt);
      await appendAudit(db, clock, {
        event: 'auth.refused',
        actor: 'anonymous',
        userId: ceremony.user_id,
        details: { ceremonyId: ceremony.id, reason, credentialId, deviceId },
      });
      throw new ApiFailure(code, reason);
    };
    const credential = ceremony.user_id
      ? await db
          .selectFrom('credentials')
          .selectAll()
          .where('id', '=', credentialId)
          .where('user_id', '=', ceremony.user_id)
          .executeTakeFirst()
      : undefined;
    if (!ceremony.user_id || !credential || credential.status === 'pending') return refuse('unknown_credential');
    const user = await db.selectFrom('users').selectAll().where('id', '=', ceremony.user_id).executeTakeFirstOrThrow();
    const { tier } = tierFor(this.deps.policy.policy, user);
    const userHandle = input.response.response.userHandle;
    if (userHandle && userHandle !== Buffer.from(user.id).toString('base64url')) return refuse('user_handle_mismatch');

    const outcome = await verifyAuthentication({
      response: input.response,
      expectedChallenge: ceremony.challenge,
      expectedOrigins: config.origins,
      expectedRpId: config.rpId,
      credential: {
        id: credential.id,
        publicKey: credential.public_key,
        counter: credential.counter,
        transports: JSON.parse(credential.transports) as string[],
      },
      requireUserVerification: factorRequirements(tier, credential.factor).userVerification === 'required',
    });
    if (!outcome.ok) return refuse(outcome.reason);
    // Only the holder of the key learns that it no longer counts: the signature verified first.
    if (credential.status === 'revoked') return refuse('factor revoked', 'factor_revoked');
    if (credential.status === 'suspended') return refuse('factor suspended until reviewed', 'factor_revoked');
    if (credential.expires_at && credential.expires_at <= now) return refuse('factor expired', 'factor_expired');

    const device = await this.devices.record(jkt, input.device);
    // Where the tier checks posture at sign-in: refused before the session, the factor untouched; the person signs in again once fixed.
    await admitPosture(this.deps, {
      user,
      resolved: tierFor(this.deps.policy.policy, user),
      deviceId: device.id,
      signals: input.device,
      checkpoint: 'sign-in',
    });
    const { token, row } = this.sessions.create({
      user,
      purpose: ceremony.purpose,
      jkt,
      deviceId: device.id,
      ttlSeconds: config.sessionTtlSeconds,
      openedBy: 'assertion',
      authCredentialId: credential.id,
    });
    await transaction(db, async (tx) => {
      await assertUserActive(tx, user.id, clock.now());
      await tx
        .updateTable('credentials')
        .set({ counter: outcome.assertion.newCounter, last_used_at: now, backed_up: outcome.assertion.backedUp ? 1 : 0 })
        .where('id', '=', credential.id)
        .execute();
      await tx.insertInto('sessions').values(row).execute();
      await appendAuditIn(tx, clock, {
        event: 'auth.succeeded',
        actor: user.username,
        userId: user.id,
        details: {
          ceremonyId: ceremony.id,
          credentialId: credential.id,
          purpose: ceremony.purpose,
          deviceId: device.id,
          userVerified: outcome.assertion.userVerified,
        },
      });
      await recordBreakGlassUseIn(tx, clock, user, credential, { id: device.id, name: device.label ?? device.name });
      await appendAuditIn(tx, clock, {
        event: 'session.opened',
        actor: user.username,
        userId: user.id,
        details: { sessionId: row.id, purpose: row.purpose, deviceId: device.id },
      });
    });
    return { token, session: this.sessions.view(row, user), kiosk: false };
  }
}
