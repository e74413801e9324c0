import { OperatorRole, ROLE_PERMISSIONS, type Permission } from '../../api/permissions.js';
import { appendAuditIn } from '../audit.js';
import type { Executor, ServiceDeps } from '../context.js';
import { transaction } from '../db/transaction.js';
import type { UserRow } from '../db/schema.js';
import { ApiFailure } from '../errors.js';
import { cancelOperatorConfirmationsIn } from '../kiosk/operator-cancellation.js';

/** The roles an account holds now, in a stable order. */
export async function rolesOf(db: Executor, userId: string): Promise<OperatorRole[]> {
  const rows = await db.selectFrom('operator_roles').select('role').where('user_id', '=', userId).orderBy('role').execute();
  return rows.map((r) => OperatorRole.safeParse(r.role)).flatMap((parsed) => (parsed.success ? [parsed.data] : []));
}

/** What those roles allow, together. */
export function permissionsFor(roles: readonly OperatorRole[]): Set<Permission> {
  return new Set(roles.flatMap((role) => ROLE_PERMISSIONS[role]));
}

export async function permissionsOf(db: Executor, userId: string): Promise<Set<Permission>> {
  return permissionsFor(await rolesOf(db, userId));
}

/**
 * Whether the person may confirm new hires at a kiosk station. The HR role (FIRSTKEY_KIOSK_OPERATOR_ROLES)
 * comes from the HR feed, which SCIM can change: alone it would let an HR change make someone a kiosk
 * operator. So the person must also hold a console role granted in FirstKey that lets them issue enrolment
 * codes (help desk or admin): confirming a new hire lets a code bind a key, the same trust as issuing one.
 * An auditor, who only reads, cannot. Asked when confirming, again when the confirmation is used, and after
 * any change that could end it (role revoked, HR role changed), so all three agree.
 */
export async function isKioskOperator(
  db: Executor,
  kioskOperatorRoles: readonly string[],
  user: Pick<UserRow, 'id' | 'account_kind' | 'role'>,
): Promise<boolean> {
  if (user.account_kind !== 'human' || !kioskOperatorRoles.includes(user.role)) return false;
  return (await permissionsOf(db, user.id)).has('codes:issue');
}

export interface OperatorView {
  username: string;
  displayName: string;
  roles: OperatorRole[];
}

/**
 * Operator accounts: FirstKey users holding help-desk, admin or auditor roles. They sign in with
 * their own enrolled factor; a service account never holds a role, and neither does someone who left.
 */
export class OperatorRoles {
  constructor(private readonly deps: ServiceDeps) {}

  async grant(username: string, role: OperatorRole, actor: string): Promise<OperatorView> {
    return transaction(this.deps.db, async (tx) => {
      const user = await this.humanUser(tx, username);
      const inserted = await tx
        .insertInto('operator_roles')
        .values({ user_id: user.id, role, granted_by: actor, granted_at: this.deps.clock.now().toISOString() })
        .onConflict((oc) => oc.columns(['user_id', 'role']).doNothing())
        .executeTakeFirst();
      if (inserted.numInsertedOrUpdatedRows !== 0n) {
        await appendAuditIn(tx, this.deps.clock, { event: 'operator.role_granted', actor, userId: user.id, details: { role } });
      }
      return { username: user.username, displayName: user.display_name, roles: await rolesOf(tx, user.id) };
    });
  }

  async revoke(username: string, role: OperatorRole, actor: string): Promise<OperatorView> {
    return transaction(this.deps.db, async (tx) => {
      const user = await this.anyUser(tx, username);
      const deleted = await tx.deleteFrom('operator_roles').where('user_id', '=', user.id).where('role', '=', role).executeTakeFirst();
      if (deleted.numDeletedRows !== 0n) {
        await appendAuditIn(tx, this.deps.clock, { event: 'operator.role_revoked', actor, userId: user.id, details: { role } });
        // Confirmations given at kiosk stations while they were an operator stop with the role, in this commit.
        if (!(await isKioskOperator(tx, this.deps.config.kioskOperatorRoles, user))) {
          await cancelOperatorConfirmationsIn(tx, this.deps.clock, { operatorId: user.id, actor, reason: 'operator_role_revoked' });
        }
      }
      return { username: user.username, displayName: user.display_name, roles: await rolesOf(tx, user.id) };
    });
  }

  async list(): Promise<OperatorView[]> {
    const rows = await this.deps.db
      .selectFrom('operator_roles')
      .innerJoin('users', 'users.id', 'operator_roles.user_id')
      .select(['users.username', 'users.display_name', 'operator_roles.role'])
      .orderBy('users.username')
      .orderBy('operator_roles.role')
      .execute();
    const byName = new Map<string, OperatorView>();
    for (const row of rows) {
      const role = OperatorRole.safeParse(row.role);
      if (!role.success) continue;
      const view = byName.get(row.username) ?? { username: row.username, displayName: row.display_name, roles: [] };
      view.roles.push(role.data);
      byName.set(row.username, view);
    }
    return [...byName.values()];
  }

  private async anyUser(db: Executor, username: string): Promise<UserRow> {
    const user = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    if (!user) throw new ApiFailure('not_found', `no user ${username}`);
    return user;
  }

  private async humanUser(db: Executor, username: string): Promise<UserRow> {
    const user = await this.anyUser(db, username);
    if (user.account_kind !== 'human')
      throw new ApiFailure('invalid_request', `${username} is a ${user.account_kind} account: only people hold operator roles`);
    return user;
  }
}
