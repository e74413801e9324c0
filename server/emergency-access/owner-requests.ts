import type {
  ActivatedEmergencyAccess,
  EmergencyGrantView,
  MyEmergencyAccess,
  RequestEmergencyAccess,
} from '../../api/operations/emergency-access.js';
import { isActiveUser } from '../accounts/active.js';
import { appendAuditIn } from '../audit.js';
import { addSeconds } from '../clock.js';
import type { Caller, ServiceDeps } from '../context.js';
import { transaction } from '../db/transaction.js';
import type { SessionStore } from '../enrolment/sessions.js';
import { ApiFailure } from '../errors.js';
import { notify } from '../notifications/outbox.js';
import { newReference, storeWithFreshReference } from '../recovery/reference.js';
import { newId } from '../secrets.js';
import { endGrant } from './end-grant.js';
import { grantByIdOrReference, grantsQuery, grantView, OPEN_STATUSES, statusAt } from './grants.js';
import { ownedServiceAccounts, stillOwns } from './owners.js';
import { defaultEmergencyMinutes, maxEmergencyMinutes, PENDING_MINUTES } from './rules.js';
import { newEmergencyToken } from './token.js';

/** How many of the owner's own grants My security lists, newest first. */
const MY_GRANTS = 20;

/**
 * The owner's side, from a `manage` session of the app opened with the owner's own factor: that
 * assertion is the authentication, so asking and collecting need it fresh. Nothing here creates a
 * session, credential or device for the service account.
 */
export class OwnerRequests {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly sessions: SessionStore,
  ) {}

  async mine(caller: Caller): Promise<MyEmergencyAccess> {
    const { user } = await this.sessions.live(caller, ['manage']);
    const { db, clock, policy } = this.deps;
    const now = clock.now();
    const rows = await grantsQuery(db)
      .where('emergency_grants.owner_user_id', '=', user.id)
      .orderBy('emergency_grants.requested_at', 'desc')
      .limit(MY_GRANTS)
      .execute();
    return {
      serviceAccounts: await ownedServiceAccounts(db, user, now),
      grants: rows.map((r) => grantView(r, now)),
      maxMinutes: maxEmergencyMinutes(policy.policy),
      defaultMinutes: defaultEmergencyMinutes(policy.policy),
    };
  }

  async request(caller: Caller, input: RequestEmergencyAccess): Promise<EmergencyGrantView> {
    const { session, user } = await this.sessions.live(caller, ['manage']);
    this.sessions.requireFresh(session);
    const { db, clock, policy } = this.deps;
    const now = clock.now();
    const max = maxEmergencyMinutes(policy.policy);
    if (input.minutes > max) throw new ApiFailure('invalid_request', `the policy allows at most ${max} minutes`);
    const service = await db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', input.serviceAccount)
      .where('account_kind', '=', 'service')
      .where(isActiveUser(now))
      .executeTakeFirst();
    // An unknown account and someone else's answer alike: a session proves who you are, not what exists.
    if (!service || !(await stillOwns(db, service.id, user.id, now)))
      throw new ApiFailure('not_service_owner', `you are not the named owner of a service account ${input.serviceAccount}`);
    const at = now.toISOString();
    const id = newId();
    await storeWithFreshReference(
      (reference) =>
        transaction(db, async (tx) => {
          const open = await tx
            .selectFrom('emergency_grants')
            .select('id')
            .where('service_user_id', '=', service.id)
            .where('owner_user_id', '=', user.id)
            .where('status', 'in', [...OPEN_STATUSES])
            .where('expires_at', '>', at)
            .executeTakeFirst();
          if (open)
            throw new ApiFailure('request_pending', 'you already have an open request or grant for this service account: end it first');
          await tx
            .insertInto('emergency_grants')
            .values({
              id,
              reference,
              service_user_id: service.id,
              owner_user_id: user.id,
              reason: input.reason,
              minutes: input.minutes,
              status: 'requested',
              requested_at: at,
              requested_session_id: session.id,
              requested_device_id: session.device_id,
              expires_at: addSeconds(now, PENDING_MINUTES * 60).toISOString(),
              decided_by: null,
              decided_by_actor: null,
              decided_at: null,
              decision_reason: null,
              activated_at: null,
              token_hash: null,
              ended_at: null,
              ended_by: null,
              end_reason: null,
              uses: 0,
            })
            .execute();
          await appendAuditIn(tx, clock, {
            event: 'emergency.requested',
            actor: user.username,
            userId: service.id,
            details: {
              grantId: id,
              reference,
              serviceAccount: service.username,
              owner: user.username,
              minutes: input.minutes,
              reason: input.reason,
              deviceId: session.device_id,
            },
          });
          await notify(tx, clock, { user, kind: 'emergency.requested', details: { serviceAccount: service.username, reference } });
        }),
      async (reference) =>
        (await db.selectFrom('emergency_grants').select('id').where('reference', '=', reference).executeTakeFirst()) !== undefined,
      newReference,
    );
    return grantView(await grantByIdOrReference(db, id), now);
  }

  /** Hands the owner the token of an approved grant, once; the window was set at approval. */
  async activate(caller: Caller, typed: string): Promise<ActivatedEmergencyAccess> {
    const { session, user } = await this.sessions.live(caller, ['manage']);
    this.sessions.requireFresh(session);
    const { db, clock } = this.deps;
    const now = clock.now();
    const grant = await grantByIdOrReference(db, typed, user.id);
    const status = statusAt(grant, now);
    if (status === 'requested') throw new ApiFailure('emergency_not_approved', 'an admin has not approved this request yet');
    if (status !== 'approved')
      throw new ApiFailure('request_closed', `this grant is ${status === 'active' ? 'already collected' : status}`);
    if (!(await stillOwns(db, grant.service_user_id, user.id, now)))
      throw new ApiFailure('not_service_owner', `you are no longer the owner of ${grant.service_username}`);
    const { token, hash } = newEmergencyToken(grant.id);
    const at = now.toISOString();
    await transaction(db, async (tx) => {
      // Conditional on the state just read: two collections at once hand out one token.
      const taken = await tx
        .updateTable('emergency_grants')
        .set({ status: 'active', activated_at: at, token_hash: hash })
        .where('id', '=', grant.id)
        .where('status', '=', 'approved')
        .where('expires_at', '>', at)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) !== 1) throw new ApiFailure('request_closed', 'this grant is already collected or closed');
      await appendAuditIn(tx, clock, {
        event: 'emergency.activated',
        actor: user.username,
        userId: grant.service_user_id,
        details: {
          grantId: grant.id,
          serviceAccount: grant.service_username,
          owner: user.username,
          deviceId: session.device_id,
          expiresAt: grant.expires_at,
        },
      });
    });
    return { grant: grantView(await grantByIdOrReference(db, grant.id), now), token, expiresAt: grant.expires_at };
  }

  /** The owner withdraws a request or ends a grant early. */
  async end(caller: Caller, typed: string): Promise<EmergencyGrantView> {
    const { user } = await this.sessions.live(caller, ['manage']);
    const grant = await grantByIdOrReference(this.deps.db, typed, user.id);
    return endGrant(this.deps, grant.id, user.username, 'ended by its owner');
  }
}
