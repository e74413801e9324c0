import type {
  BreakGlassCeremonyView,
  BreakGlassKeyLabel,
  BreakGlassKeyView,
  BreakGlassSupervision,
  BreakGlassSupervisionView,
} from '../../api/operations/break-glass.js';
import { isActiveUser } from '../accounts/active.js';
import { appendAuditIn } from '../audit.js';
import type { Executor, ServiceDeps } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { transaction } from '../db/transaction.js';
import { ApiFailure } from '../errors.js';
import type { Principal } from '../operators/principal.js';
import { rolesOf } from '../operators/roles.js';
import { newId } from '../secrets.js';
import type { SessionStore } from '../enrolment/sessions.js';
import { supervisorsOf } from './ceremony.js';
import { checkBreakGlass, type BreakGlassFinding } from './check.js';
import { ceremonyKeys } from './ceremony-keys.js';
import { openCeremonySessions, type OpenCeremonySession } from './open-sessions.js';
import { isSessionReference } from './session-reference.js';
import { DEFAULT_TEST_INTERVAL_DAYS, MIN_BREAK_GLASS_KEYS } from './tier.js';

/** How recent the custodian's own WebAuthn sign-in (their console session's start) must be to confirm. */
export const CUSTODIAN_FRESH_SECONDS = 300;

/** The supervised ceremony of a break-glass account, as custodians drive it from the console or the admin API. */
export class BreakGlassService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly sessions: Pick<SessionStore, 'effectiveExpiry'>,
  ) {}

  /** What `check-break-glass` reports (server/break-glass/check.ts), under the policy's test interval. */
  async check(): Promise<{ findings: BreakGlassFinding[]; testIntervalDays: number }> {
    const { db, clock, policy } = this.deps;
    return {
      findings: await checkBreakGlass(db, policy.policy, clock.now()),
      testIntervalDays: policy.policy.breakGlass?.testIntervalDays ?? DEFAULT_TEST_INTERVAL_DAYS,
    };
  }

  /** Where the account's ceremony stands, for the custodians in the console: nothing here decides anything. */
  async ceremony(username: string): Promise<BreakGlassCeremonyView> {
    const { db } = this.deps;
    const user = await this.breakGlassUser(username);
    const open = await this.openSessions(db, user);
    const shown = await this.mostWatched(open);
    return {
      username: user.username,
      displayName: user.display_name,
      session: shown
        ? {
            id: shown.session.id,
            openedAt: shown.session.openedAt,
            expiresAt: shown.session.expiresAt,
            device: shown.session.device,
            station: shown.session.station,
          }
        : null,
      otherOpenSessions: Math.max(0, open.length - 1),
      custodians: shown?.supervisors.custodians ?? [],
      kioskOperator: shown?.supervisors.operator ?? null,
      supervised: (shown?.supervisors.count ?? 0) >= 2,
      keys: await ceremonyKeys(db, user.id, shown?.session.id ?? null),
      keysRequired: MIN_BREAK_GLASS_KEYS,
    };
  }

  /**
   * A custodian confirms they supervise the account's open enrolment session: the one whose reference
   * the key holder read out to them from the app (the console does not show it), so a session someone
   * opened beside it with a spare code cannot borrow the confirmation. Only a person holding the admin
   * role, signed in to the console with their own key moments ago: a token proves no presence, and the
   * bootstrap token is nobody. The same person twice counts once.
   */
  async supervise(username: string, request: BreakGlassSupervision, principal: Principal): Promise<BreakGlassSupervisionView> {
    const { db, clock } = this.deps;
    const custodian = await this.freshCustodian(principal);
    const user = await this.breakGlassUser(username);
    const now = clock.now().toISOString();
    return transaction(db, async (tx) => {
      // Under the account's row lock, which opening and completing a session take too.
      await tx.updateTable('users').set({ id: user.id }).where('id', '=', user.id).execute();
      const open = await this.openSessions(tx, user);
      if (open.length === 0)
        throw new ApiFailure('not_found', `no open session of ${user.username} to supervise: open it with the enrolment code first`);
      const session = open.find((s) => isSessionReference(s.id, request.reference));
      if (!session)
        throw new ApiFailure(
          'break_glass_reference_mismatch',
          `no open session of ${user.username} shows that reference: ask the key holder to read it from their screen again`,
        );
      const added = await tx
        .insertInto('break_glass_supervisions')
        .values({ id: newId(), session_id: session.id, user_id: user.id, custodian_id: custodian.id, via: 'console', confirmed_at: now })
        .onConflict((oc) => oc.columns(['session_id', 'custodian_id']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (added)
        await appendAuditIn(tx, clock, {
          event: 'break_glass.supervised',
          actor: principal.actor,
          userId: user.id,
          details: { sessionId: session.id, custodian: custodian.username, via: 'console' },
        });
      const { custodians, count } = await supervisorsOf(tx, { id: session.id, station_id: session.stationId }, clock.now());
      return { username, sessionId: session.id, custodians, supervised: count >= 2 };
    });
  }

  /**
   * Labels a key of the account's open session with who keeps it and where, or changes the label of a key
   * in use (then only a custodian freshly signed in to the console may).
   */
  async label(username: string, credentialId: string, label: BreakGlassKeyLabel, principal: Principal): Promise<BreakGlassKeyView> {
    const { db, clock } = this.deps;
    const user = await this.breakGlassUser(username);
    const key = await db
      .selectFrom('credentials')
      .select(['id', 'status'])
      .where('id', '=', credentialId)
      .where('user_id', '=', user.id)
      .where('status', 'in', ['pending', 'active'])
      .executeTakeFirst();
    if (!key) throw new ApiFailure('not_found', `no key ${credentialId} of ${username}`);
    // Before the ceremony ends a label is part of it; afterwards it is the record an emergency relies on
    // (which safe to open), so changing it takes what confirming the ceremony took: a custodian, just now.
    if (key.status === 'active') await this.freshCustodian(principal);
    const now = clock.now().toISOString();
    const row = { custodian: label.custodian, location: label.location, labelled_by: principal.actor, labelled_at: now };
    await transaction(db, async (tx) => {
      await tx
        .insertInto('break_glass_keys')
        .values({ credential_id: key.id, user_id: user.id, ...row })
        .onConflict((oc) => oc.column('credential_id').doUpdateSet(row))
        .execute();
      await appendAuditIn(tx, clock, {
        event: 'break_glass.key_labelled',
        actor: principal.actor,
        userId: user.id,
        details: { credentialId: key.id, custodian: label.custodian, location: label.location },
      });
    });
    return { factorId: key.id, custodian: label.custodian, location: label.location, labelledAt: now };
  }

  private async freshCustodian(principal: Principal): Promise<UserRow> {
    const { db, clock } = this.deps;
    if (!principal.accountId) throw new ApiFailure('forbidden', 'a custodian confirms with their own account, not the bootstrap token');
    if (principal.via !== 'console' || !principal.consoleSessionId)
      throw new ApiFailure('reauth_required', 'a custodian confirms from a console session opened with their own key, not an API token');
    const opened = await db
      .selectFrom('console_sessions')
      .select('created_at')
      .where('id', '=', principal.consoleSessionId)
      .executeTakeFirst();
    const freshFrom = new Date(clock.now().getTime() - CUSTODIAN_FRESH_SECONDS * 1000).toISOString();
    if (!opened || opened.created_at < freshFrom)
      throw new ApiFailure(
        'reauth_required',
        `sign in to the console again: confirmation needs a sign-in within ${CUSTODIAN_FRESH_SECONDS / 60} minutes`,
      );
    if (!(await rolesOf(db, principal.accountId)).includes('admin'))
      throw new ApiFailure('forbidden', 'only an operator holding the admin role can be a custodian');
    return db.selectFrom('users').selectAll().where('id', '=', principal.accountId).executeTakeFirstOrThrow();
  }

  private async breakGlassUser(username: string): Promise<UserRow> {
    const user = await this.deps.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .where(isActiveUser(this.deps.clock.now()))
      .executeTakeFirst();
    if (!user) throw new ApiFailure('not_found', `no active user ${username}`);
    if (user.account_kind !== 'break-glass') throw new ApiFailure('invalid_request', `${username} is not a break-glass account`);
    return user;
  }

  /** Of the open sessions, the one with the most people supervising it (the newest among equals), with them. */
  private async mostWatched(open: OpenCeremonySession[]) {
    let best: { session: OpenCeremonySession; supervisors: Awaited<ReturnType<typeof supervisorsOf>> } | null = null;
    for (const session of open) {
      const supervisors = await supervisorsOf(this.deps.db, { id: session.id, station_id: session.stationId }, this.deps.clock.now());
      if (!best || supervisors.count > best.supervisors.count) best = { session, supervisors };
    }
    return best;
  }

  private openSessions(ex: Executor, user: UserRow): Promise<OpenCeremonySession[]> {
    return openCeremonySessions(ex, this.sessions, user.id, this.deps.clock.now());
  }
}
