import { sql, type Transaction } from 'kysely';
import { handleTakenIn, issueCodeIn } from '../accounts/issue-code.js';
import { appendAuditIn } from '../audit.js';
import type { ServiceDeps } from '../context.js';
import type { Database, UserRow } from '../db/schema.js';
import { transaction } from '../db/transaction.js';
import { type NewCode, storeWithFreshHandle } from '../enrolment/codes.js';
import { cancelOperatorConfirmationsIn } from '../kiosk/operator-cancellation.js';
import { reevaluateMoverIn } from '../movers/reevaluate.js';
import { isKioskOperator } from '../operators/roles.js';
import { tierFor } from '../policy/evaluate.js';
import { newId } from '../secrets.js';
import { deactivateIn, reactivateIn } from './leaver.js';
import { type Person, type PersonChanges, type PersonInput, ProvisioningRefusal } from './person.js';

export type ProvisioningDeps = Pick<ServiceDeps, 'db' | 'clock' | 'config' | 'policy'>;

/** The person with this username in any case (`Ada` and `ada` are one person), deleted or not. */
export async function personByUsername(ex: Transaction<Database> | ProvisioningDeps['db'], username: string): Promise<Person | undefined> {
  const user = await ex
    .selectFrom('users')
    .selectAll()
    .where(sql<string>`lower(username)`, '=', username.toLowerCase())
    .executeTakeFirst();
  return user ? { user, state: await stateOf(ex, user.id) } : undefined;
}

export async function personById(ex: Transaction<Database> | ProvisioningDeps['db'], id: string): Promise<Person | undefined> {
  const user = await ex.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return user ? { user, state: await stateOf(ex, user.id) } : undefined;
}

async function stateOf(ex: Transaction<Database> | ProvisioningDeps['db'], userId: string): Promise<Person['state']> {
  const row = await ex
    .selectFrom('user_provisioning')
    .select(['external_id', 'manager', 'end_date', 'deactivated_at', 'deleted_at', 'updated_at'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row ?? { external_id: null, manager: null, end_date: null, deactivated_at: null, deleted_at: null, updated_at: '' };
}

async function refuseTakenExternalId(tx: Transaction<Database>, externalId: string | null, userId: string): Promise<void> {
  if (externalId === null) return;
  const holder = await tx.selectFrom('user_provisioning').select('user_id').where('external_id', '=', externalId).executeTakeFirst();
  if (holder && holder.user_id !== userId) throw new ProvisioningRefusal('uniqueness', 'another user has this externalId');
}

/** Issues an enrolment code inside `tx` and hands it to the outbox, addressed to the person alone. */
async function inviteIn(tx: Transaction<Database>, deps: ProvisioningDeps, user: UserRow, code: NewCode, actor: string): Promise<void> {
  await issueCodeIn(tx, deps, user, actor, {
    code,
    ttlSeconds: deps.config.codeTtlSeconds,
    tier: tierFor(deps.policy.policy, user).name,
    mailbox: { delivery: 'invitation' },
  });
}

export interface Created {
  person: Person;
  /** Whether an enrolment code went to the outbox. */
  invited: boolean;
}

/**
 * A joiner: the user, their provisioning state and (when active, a person, and asked for) an enrolment
 * code in the outbox, all in one commit, audited with the actor. A username someone already has, in any
 * case, or an externalId someone already has, is refused (`uniqueness`).
 */
export async function createPerson(
  deps: ProvisioningDeps,
  input: PersonInput,
  actor: string,
  opts: { invite: boolean; via: string },
): Promise<Created> {
  const { db, clock } = deps;
  const invite = opts.invite && input.active && input.accountKind === 'human';
  const store = (code: NewCode | null) =>
    transaction(db, async (tx) => {
      if (await personByUsername(tx, input.username)) throw new ProvisioningRefusal('uniqueness', `userName ${input.username} is taken`);
      const now = clock.now().toISOString();
      const user: UserRow = {
        id: newId(),
        username: input.username,
        display_name: input.displayName,
        email: input.email,
        role: input.role,
        account_kind: input.accountKind,
        employment_type: input.employmentType,
        created_at: now,
      };
      await refuseTakenExternalId(tx, input.externalId, user.id);
      await tx.insertInto('users').values(user).execute();
      await tx
        .insertInto('user_provisioning')
        .values({
          user_id: user.id,
          external_id: input.externalId,
          manager: input.manager,
          end_date: input.endDate,
          deactivated_at: input.active ? null : now,
          deleted_at: null,
          updated_at: now,
        })
        .execute();
      await appendAuditIn(tx, clock, {
        event: 'user.created',
        actor,
        userId: user.id,
        details: { role: user.role, kind: user.account_kind, employmentType: user.employment_type, active: input.active, via: opts.via },
      });
      if (code) await inviteIn(tx, deps, user, code, actor);
      return { person: { user, state: await stateOf(tx, user.id) }, invited: code !== null };
    });
  if (!invite) return store(null);
  return storeWithFreshHandle((code) => store(code), handleTakenIn(db));
}

/** Which of `changes` differ from the person as stored: the names the audit trail and the report list. */
export function changedFields(person: Person, changes: PersonChanges): (keyof PersonChanges)[] {
  const current: Required<PersonChanges> = {
    displayName: person.user.display_name,
    email: person.user.email,
    role: person.user.role,
    employmentType: person.user.employment_type,
    manager: person.state.manager,
    endDate: person.state.end_date,
    externalId: person.state.external_id,
  };
  return (Object.keys(changes) as (keyof PersonChanges)[]).filter((k) => changes[k] !== undefined && changes[k] !== current[k]);
}

/**
 * The HR feed moved the person out of the kiosk operator roles: confirmations they gave at a kiosk station
 * stop in this commit (a console role alone does not make an operator, server/operators/roles.ts).
 */
async function cancelIfNoLongerOperator(tx: Transaction<Database>, deps: ProvisioningDeps, userId: string, actor: string): Promise<void> {
  const user = await tx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
  if (await isKioskOperator(tx, deps.config.kioskOperatorRoles, user)) return;
  await cancelOperatorConfirmationsIn(tx, deps.clock, { operatorId: userId, actor, reason: 'hr_role_changed' });
}

/**
 * A mover: applies what differs in `changes`, and `active` through the leaver path or re-activation, in
 * one commit, audited. Answers the person as now stored and what changed (empty: nothing did).
 */
export async function updatePerson(
  deps: ProvisioningDeps,
  userId: string,
  changes: PersonChanges,
  active: boolean | undefined,
  actor: string,
  via: string,
): Promise<{ person: Person; changed: string[] }> {
  const { db, clock } = deps;
  return transaction(db, async (tx) => {
    const person = await personById(tx, userId);
    if (!person) throw new ProvisioningRefusal('not_found', 'no such user');
    const fields = changedFields(person, changes);
    const changed: string[] = [...fields];
    const now = clock.now().toISOString();
    if (fields.length > 0) {
      if (fields.includes('externalId')) await refuseTakenExternalId(tx, changes.externalId ?? null, userId);
      const userSet = {
        ...(fields.includes('displayName') && changes.displayName !== undefined ? { display_name: changes.displayName } : {}),
        ...(fields.includes('email') && changes.email !== undefined ? { email: changes.email } : {}),
        ...(fields.includes('role') && changes.role !== undefined ? { role: changes.role } : {}),
        ...(fields.includes('employmentType') && changes.employmentType !== undefined ? { employment_type: changes.employmentType } : {}),
      };
      if (Object.keys(userSet).length > 0) await tx.updateTable('users').set(userSet).where('id', '=', userId).execute();
      const stateSet = {
        ...(fields.includes('manager') && changes.manager !== undefined ? { manager: changes.manager } : {}),
        ...(fields.includes('endDate') && changes.endDate !== undefined ? { end_date: changes.endDate } : {}),
        ...(fields.includes('externalId') && changes.externalId !== undefined ? { external_id: changes.externalId } : {}),
      };
      await tx
        .insertInto('user_provisioning')
        .values({
          user_id: userId,
          external_id: person.state.external_id,
          manager: person.state.manager,
          end_date: person.state.end_date,
          deactivated_at: person.state.deactivated_at,
          deleted_at: person.state.deleted_at,
          updated_at: now,
          ...stateSet,
        })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ ...stateSet, updated_at: now }))
        .execute();
      await appendAuditIn(tx, clock, {
        event: 'user.updated',
        actor,
        userId,
        details: { fields: fields.join(','), via, ...(fields.includes('role') ? { role: changes.role ?? null } : {}) },
      });
      // A mover: their factors are judged against the new tier in this same commit (server/movers/).
      if (fields.includes('role') || fields.includes('employmentType'))
        await reevaluateMoverIn(tx, deps, { userId, before: person.user, actor, via });
      if (fields.includes('role')) await cancelIfNoLongerOperator(tx, deps, userId, actor);
    }
    if (active === false && !person.state.deactivated_at) {
      await deactivateIn(tx, clock, userId, actor, { reason: via });
      changed.push('active');
    }
    if (active === true && person.state.deactivated_at && (await reactivateIn(tx, clock, userId, actor, via))) changed.push('active');
    const after = await personById(tx, userId);
    if (!after) throw new ProvisioningRefusal('not_found', 'no such user');
    return { person: after, changed };
  });
}

/** Issues a new enrolment code to the outbox for an active person (a re-activated joiner enrols anew). */
export async function invitePerson(deps: ProvisioningDeps, userId: string, actor: string): Promise<void> {
  await storeWithFreshHandle(
    (code) =>
      transaction(deps.db, async (tx) => {
        const user = await tx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
        await inviteIn(tx, deps, user, code, actor);
      }),
    handleTakenIn(deps.db),
  );
}
