import type { PersonView } from '../../api/people.js';
import type { ServiceDeps } from '../context.js';
import { ApiFailure } from '../errors.js';
import { tierFor } from '../policy/evaluate.js';
import type { Helpdesk } from '../recovery/helpdesk.js';
import { safeDetails } from './safe-details.js';

const RECENT_EVENTS = 50;

/** The help desk's look-up of one person: what they can sign in with, from where, what happened lately. */
export class PersonLookup {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly helpdesk: Helpdesk,
  ) {}

  async byUsername(username: string): Promise<PersonView> {
    const { db, policy } = this.deps;
    const user = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    if (!user) throw new ApiFailure('not_found', `no user ${username}`);
    const factors = await db
      .selectFrom('credentials')
      .select(['id', 'factor', 'name', 'authenticator_name', 'status', 'created_at', 'last_used_at'])
      .where('user_id', '=', user.id)
      .orderBy('created_at', 'desc')
      .execute();
    // Every device ever bound to them, released or revoked too: an agent asks "was it this laptop?".
    const devices = await db
      .selectFrom('device_bindings')
      .innerJoin('devices', 'devices.id', 'device_bindings.device_id')
      .select(['devices.id', 'devices.name', 'devices.label', 'devices.platform', 'devices.last_seen_at', 'devices.revoked_at'])
      .where('device_bindings.user_id', '=', user.id)
      .orderBy('devices.last_seen_at', 'desc')
      .execute();
    const events = await db
      .selectFrom('audit_events')
      .select(['event', 'at', 'actor', 'details'])
      .where('user_id', '=', user.id)
      .orderBy('seq', 'desc')
      .limit(RECENT_EVENTS)
      .execute();
    const openRequests = (await this.helpdesk.list(false)).filter((r) => r.username === user.username);
    return {
      username: user.username,
      displayName: user.display_name,
      tier: tierFor(policy.policy, user).name,
      factors: factors.map((f) => ({
        id: f.id,
        kind: f.factor,
        name: f.name ?? f.authenticator_name,
        status: f.status,
        createdAt: f.created_at,
        lastUsedAt: f.last_used_at,
      })),
      devices: devices.map((d) => ({
        id: d.id,
        name: d.label ?? d.name,
        platform: d.platform,
        lastSeenAt: d.last_seen_at,
        revokedAt: d.revoked_at,
      })),
      events: events.map((e) => ({ event: e.event, at: e.at, actor: e.actor, details: safeDetails(e.details) })),
      openRequests,
    };
  }
}
