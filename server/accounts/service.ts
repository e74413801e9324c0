import { sql } from 'kysely';
import { transaction } from '../db/transaction.js';
import { CreateUserRequest, type IssueCodeResponse, type UserView } from '../../api/admin.js';
import { appendAuditIn } from '../audit.js';
import type { Executor, ServiceDeps } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { storeWithFreshHandle } from '../enrolment/codes.js';
import { userView } from '../enrolment/views.js';
import { ApiFailure } from '../errors.js';
import { tierFor } from '../policy/evaluate.js';
import { newId } from '../secrets.js';
import { recordProvisioningIn } from '../provisioning/record.js';
import { assertUserActive } from './active.js';
import { handleTakenIn, issueCodeIn } from './issue-code.js';

/** Users and the one-time enrolment codes IT issues to them (admin API and CLI). */
export class AccountService {
  constructor(private readonly deps: ServiceDeps) {}

  async createUser(input: CreateUserRequest, actor: string): Promise<UserView> {
    const data = CreateUserRequest.parse(input);
    const row: UserRow = {
      id: newId(),
      username: data.username,
      display_name: data.displayName,
      email: data.email ?? null,
      role: data.role,
      account_kind: data.accountKind,
      employment_type: data.employmentType,
      created_at: this.deps.clock.now().toISOString(),
    };
    await transaction(this.deps.db, async (tx) => {
      // In any case: `Agent.Alice` is `agent.alice` (a unique index on lower(username) holds it too).
      const existing = await tx
        .selectFrom('users')
        .select('username')
        .where(sql<string>`lower(username)`, '=', data.username.toLowerCase())
        .executeTakeFirst();
      if (existing) throw new ApiFailure('invalid_request', `user ${existing.username} already exists`);
      await tx.insertInto('users').values(row).execute();
      if (data.manager || data.endDate) await recordProvisioningIn(tx, row.id, data.manager ?? null, data.endDate ?? null, row.created_at);
      await appendAuditIn(tx, this.deps.clock, {
        event: 'user.created',
        actor,
        userId: row.id,
        details: { role: row.role, kind: row.account_kind },
      });
    });
    return userView(row);
  }

  async findUser(username: string): Promise<UserRow> {
    const user = await this.deps.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    if (!user) throw new ApiFailure('not_found', `no user ${username}`);
    return user;
  }

  async issueCode(username: string, actor: string, ttlSeconds?: number): Promise<IssueCodeResponse> {
    const { db, clock, config } = this.deps;
    const user = await this.findUser(username);
    await assertUserActive(db, user.id, clock.now());
    const tier = tierFor(this.deps.policy.policy, user).name; // refuse before a code for a service account ever exists
    // A code binds a factor without the person's own authentication: for someone who can already sign in,
    // one operator issuing it would add their own key to that account. Those people add a key from My
    // security or recover (two agents for the privileged). A break-glass ceremony has its two custodians.
    if (user.account_kind !== 'break-glass' && (await canSignIn(db, user.id, clock.now())))
      throw new ApiFailure(
        'already_enrolled',
        `${username} already has a working sign-in factor: they add another from My security, or recover through the help desk`,
      );
    const ttl = Math.min(ttlSeconds ?? config.codeTtlSeconds, config.codeTtlSeconds);
    const issued = await storeWithFreshHandle(
      (code) => transaction(db, (tx) => issueCodeIn(tx, this.deps, user, actor, { code, ttlSeconds: ttl, tier })),
      handleTakenIn(db),
    );
    return { code: issued.code, link: issued.link, expiresAt: issued.expiresAt };
  }
}

/** Whether the person holds an active, unexpired factor. */
async function canSignIn(db: Executor, userId: string, now: Date): Promise<boolean> {
  const factor = await db
    .selectFrom('credentials')
    .select('id')
    .where('user_id', '=', userId)
    .where('status', '=', 'active')
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now.toISOString())]))
    .executeTakeFirst();
  return factor !== undefined;
}
