import type { SessionDeadlines, SessionPurpose, SessionView } from '../../api/enrolment.js';
import { addSeconds } from '../clock.js';
import { sessionReference } from '../break-glass/session-reference.js';
import type { Caller, Executor, ServiceDeps } from '../context.js';
import type { SessionRow, UserRow } from '../db/schema.js';
import { ApiFailure } from '../errors.js';
import { requirementsOf, tierFor } from '../policy/evaluate.js';
import { newId, newToken, sha256 } from '../secrets.js';
import type { DeviceRegistry } from './devices.js';

export interface NewSession {
  user: UserRow;
  purpose: SessionPurpose;
  jkt: string;
  deviceId: string;
  /** Before the tier's own limit, which applies on top. */
  ttlSeconds: number;
  openedBy: NonNullable<SessionRow['opened_by']>;
  codeId?: string | null;
  authCredentialId?: string | null;
  /** A registered kiosk station's id: the session is a kiosk session. */
  stationId?: string | null;
}

/**
 * Sessions of every purpose: a 256-bit token stored hashed, bound to the device key (DPoP jkt),
 * with an absolute lifetime and an idle limit. Shared by enrolment, authentication and recovery.
 */
export class SessionStore {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly devices: DeviceRegistry,
  ) {}

  /** A session row and its token; the caller inserts the row inside its own transaction. */
  create(input: NewSession): { token: string; row: SessionRow } {
    const now = this.deps.clock.now();
    const { tier } = tierFor(this.deps.policy.policy, input.user);
    const token = newToken();
    const row: SessionRow = {
      id: newId(),
      user_id: input.user.id,
      code_id: input.codeId ?? null,
      purpose: input.purpose,
      token_hash: sha256(token),
      created_at: now.toISOString(),
      expires_at: addSeconds(now, Math.min(tier.sessionTtlSeconds ?? Infinity, input.ttlSeconds)).toISOString(),
      completed_at: null,
      ended_at: null,
      challenge: null,
      challenge_factor: null,
      challenge_expires_at: null,
      jkt: input.jkt,
      device_id: input.deviceId,
      last_seen_at: now.toISOString(),
      opened_by: input.openedBy,
      auth_credential_id: input.authCredentialId ?? null,
      authenticated_at: input.authCredentialId ? now.toISOString() : null,
      station_id: input.stationId ?? null,
    };
    return { token, row };
  }

  view(s: SessionRow, user: UserRow): SessionView {
    const { tier } = tierFor(this.deps.policy.policy, user);
    // At a kiosk station only a security key may be bound (a passkey would stay on the shared machine).
    const kiosk = s.station_id !== null;
    const requirements = requirementsOf(tier);
    return {
      id: s.id,
      purpose: s.purpose,
      user: { username: user.username, displayName: user.display_name },
      allowedFactors: kiosk ? tier.factors.filter((f) => f === 'security-key') : tier.factors,
      requirements: kiosk && !requirements.includes('security_key_only') ? ['security_key_only', ...requirements] : requirements,
      expiresAt: this.effectiveExpiry(s),
      ...this.deadlines(s),
      ...(user.account_kind === 'break-glass' ? { supervision: { reference: sessionReference(s.id) } } : {}),
    };
  }

  /** Both ends of the session as they stand now, and the server's time, so the app counts on the server's clock. */
  deadlines(s: SessionRow): SessionDeadlines {
    return { lifetimeEndsAt: s.expires_at, idleEndsAt: this.idleEnd(s), serverTime: this.deps.clock.now().toISOString() };
  }

  private idleEnd(s: SessionRow): string {
    return addSeconds(new Date(s.last_seen_at ?? s.created_at), this.deps.config.sessionIdleSeconds).toISOString();
  }

  /** The earlier of the session's lifetime and its idle limit: when it ends if nothing more happens. */
  effectiveExpiry(s: SessionRow): string {
    const idleEnd = this.idleEnd(s);
    return idleEnd < s.expires_at ? idleEnd : s.expires_at;
  }

  /**
   * Finds the live session a token names, signed by the key it is bound to, or says precisely why
   * there is none; with `purposes`, also that the session may make this call. Each use pushes the
   * idle limit back.
   */
  async live(caller: Caller, purposes?: readonly SessionPurpose[]): Promise<{ session: SessionRow; user: UserRow }> {
    const db = this.deps.db;
    const found = await db.selectFrom('sessions').selectAll().where('token_hash', '=', sha256(caller.token)).executeTakeFirst();
    if (!found || found.ended_at) throw new ApiFailure('session_invalid', 'no such session');
    // A copied token is useless without the device key it was issued to.
    if (found.jkt !== caller.jkt) throw new ApiFailure('dpop_invalid', 'the session is bound to another device key');
    await this.devices.refuseRevoked(caller.jkt);
    if (found.completed_at) throw new ApiFailure('session_completed', 'session already completed');
    const now = this.deps.clock.now().toISOString();
    if (this.effectiveExpiry(found) <= now) throw new ApiFailure('session_expired', 'session expired');
    if (purposes && !purposes.includes(found.purpose)) {
      throw new ApiFailure('purpose_not_allowed', `a ${found.purpose} session cannot do this`);
    }
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', found.id).execute();
    const session = { ...found, last_seen_at: now };
    // Whatever the call answers from here on, the app learns how far this use pushed the idle end.
    caller.deadlines = this.deadlines(session);
    const user = await db.selectFrom('users').selectAll().where('id', '=', session.user_id).executeTakeFirstOrThrow();
    return { session, user };
  }

  /**
   * Refuses a call that needs a recent assertion (removal, regeneration, adding a key) in a session
   * whose assertion is older, or would be before `forSeconds` more have passed (a ceremony about to start).
   */
  requireFresh(session: SessionRow, forSeconds = 0): void {
    const at = session.authenticated_at;
    if (!at || addSeconds(new Date(at), this.deps.config.freshAuthSeconds - forSeconds) <= this.deps.clock.now()) {
      throw new ApiFailure(
        'reauth_required',
        `authenticate again: this needs an assertion less than ${this.deps.config.freshAuthSeconds} s old`,
      );
    }
  }

  /** Ends every other open session of the user and discards what they registered. Returns how many ended. */
  async endOthersIn(ex: Executor, userId: string, exceptSessionId: string): Promise<number> {
    const open = await ex
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', userId)
      .where('id', '!=', exceptSessionId)
      .where('completed_at', 'is', null)
      .where('ended_at', 'is', null)
      .execute();
    if (open.length === 0) return 0;
    const ids = open.map((s) => s.id);
    await ex
      .updateTable('sessions')
      .set({ ended_at: this.deps.clock.now().toISOString(), challenge: null })
      .where('id', 'in', ids)
      .execute();
    await ex.deleteFrom('credentials').where('session_id', 'in', ids).where('status', '=', 'pending').execute();
    return ids.length;
  }
}
