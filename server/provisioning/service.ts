import { sql } from 'kysely';
import type { ServiceDeps } from '../context.js';
import { createPerson, invitePerson, personById, personByUsername, updatePerson, type Created } from './joiners.js';
import { deactivateUser, reactivateUser, type LeaverCounts } from './leaver.js';
import type { Person, PersonChanges, PersonInput } from './person.js';

/** Which people a listing asks for: one by username (any case), externalId or id, or all. */
export type PersonQuery = { attribute: 'userName' | 'externalId' | 'id'; value: string } | null;

/**
 * Joiners, movers and leavers as SCIM and the joiners import ask for them. Every change commits on its own,
 * audited with the caller's actor; a person who left keeps their row, so the audit trail's references hold.
 */
export class ProvisioningService {
  constructor(private readonly deps: ServiceDeps) {}

  create(input: PersonInput, actor: string, opts: { invite: boolean; via: string }): Promise<Created> {
    return createPerson(this.deps, input, actor, opts);
  }

  update(userId: string, changes: PersonChanges, active: boolean | undefined, actor: string, via: string) {
    return updatePerson(this.deps, userId, changes, active, actor, via);
  }

  invite(userId: string, actor: string): Promise<void> {
    return invitePerson(this.deps, userId, actor);
  }

  deactivate(userId: string, actor: string, reason: string, deleted = false): Promise<LeaverCounts | null> {
    return deactivateUser(this.deps, userId, actor, { reason, deleted });
  }

  reactivate(userId: string, actor: string, reason: string): Promise<boolean> {
    return reactivateUser(this.deps, userId, actor, reason);
  }

  byUsername(username: string): Promise<Person | undefined> {
    return personByUsername(this.deps.db, username);
  }

  byId(id: string): Promise<Person | undefined> {
    return personById(this.deps.db, id);
  }

  /**
   * People not deleted, oldest first: one page from `offset`, and how many match in all. Break-glass
   * accounts are not the identity provider's to see: they exist to outlive it (server/break-glass/).
   */
  async list(query: PersonQuery, offset: number, limit: number): Promise<{ people: Person[]; total: number }> {
    const base = this.deps.db
      .selectFrom('users')
      .leftJoin('user_provisioning', 'user_provisioning.user_id', 'users.id')
      .where('user_provisioning.deleted_at', 'is', null)
      .where('users.account_kind', '!=', 'break-glass')
      .$if(query?.attribute === 'userName', (q) => q.where(sql<string>`lower(users.username)`, '=', (query?.value ?? '').toLowerCase()))
      .$if(query?.attribute === 'externalId', (q) => q.where('user_provisioning.external_id', '=', query?.value ?? ''))
      .$if(query?.attribute === 'id', (q) => q.where('users.id', '=', query?.value ?? ''));
    const counted = await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst();
    const rows =
      limit === 0
        ? []
        : await base
            .selectAll('users')
            .select([
              'user_provisioning.external_id',
              'user_provisioning.manager',
              'user_provisioning.end_date',
              'user_provisioning.deactivated_at',
              'user_provisioning.deleted_at',
              'user_provisioning.updated_at',
            ])
            .orderBy('users.created_at')
            .orderBy('users.id')
            .limit(limit)
            .offset(offset)
            .execute();
    const people = rows.map(({ external_id, manager, end_date, deactivated_at, deleted_at, updated_at, ...user }) => ({
      user,
      state: { external_id, manager, end_date, deactivated_at, deleted_at, updated_at: updated_at ?? '' },
    }));
    return { people, total: Number(counted?.n ?? 0) };
  }
}
