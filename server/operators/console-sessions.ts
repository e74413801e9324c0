import { randomBytes } from 'node:crypto';
import type { AgentView, ConsoleSessionResponse } from '../../api/operations/operators.js';
import { isActiveUser } from '../accounts/active.js';
import { appendAuditIn } from '../audit.js';
import { addSeconds } from '../clock.js';
import type { Executor, ServiceDeps } from '../context.js';
import { transaction } from '../db/transaction.js';
import type { UserRow } from '../db/schema.js';
import { newId, sha256 } from '../secrets.js';
import { ConsoleSignIn } from './console-sign-in.js';
import type { Principal } from './principal.js';
import { permissionsFor, rolesOf } from './roles.js';

/** The agent view of an account: its roles now and what they allow. */
export async function agentView(db: Executor, user: Pick<UserRow, 'id' | 'username' | 'display_name'>): Promise<AgentView> {
  const roles = await rolesOf(db, user.id);
  return { username: user.username, displayName: user.display_name, roles, permissions: [...permissionsFor(roles)].sort() };
}

/** Console sessions: opened by an agent's WebAuthn sign-in, short, only a hash of the token stored. */
export class ConsoleSessions {
  /** The WebAuthn ceremony that opens these sessions. */
  readonly signIn: ConsoleSignIn;

  constructor(readonly deps: ServiceDeps) {
    this.signIn = new ConsoleSignIn(deps, this);
  }

  /** Opens a session inside the sign-in's transaction; the token is returned once and never stored. */
  async open(tx: Executor, user: UserRow, credentialId: string): Promise<ConsoleSessionResponse> {
    const { clock, config } = this.deps;
    const now = clock.now();
    const token = randomBytes(32).toString('base64url');
    const row = {
      id: newId(),
      token_hash: sha256(token),
      user_id: user.id,
      credential_id: credentialId,
      created_at: now.toISOString(),
      expires_at: addSeconds(now, config.consoleSessionSeconds).toISOString(),
      idle_ends_at: this.idleEnd(now, config.consoleSessionSeconds),
      ended_at: null,
    };
    await tx.insertInto('console_sessions').values(row).execute();
    return { token, expiresAt: row.expires_at, idleEndsAt: row.idle_ends_at, agent: await agentView(tx, user) };
  }

  /** The idle end never passes the session's own end. */
  private idleEnd(now: Date, secondsLeft: number): string {
    return addSeconds(now, Math.min(this.deps.config.consoleIdleSeconds, secondsLeft)).toISOString();
  }

  /**
   * The agent behind a live console session token, or null: ended, past its lifetime or idle end,
   * the account gone or holding no role any more. A call pushes the idle end back.
   */
  async principal(token: string): Promise<Principal | null> {
    const { db, clock } = this.deps;
    const now = clock.now();
    const iso = now.toISOString();
    const session = await db
      .selectFrom('console_sessions')
      .innerJoin('users', 'users.id', 'console_sessions.user_id')
      .select(['console_sessions.id', 'console_sessions.expires_at', 'users.id as user_id', 'users.username'])
      .where('console_sessions.token_hash', '=', sha256(token))
      .where('console_sessions.ended_at', 'is', null)
      .where('console_sessions.expires_at', '>', iso)
      .where('console_sessions.idle_ends_at', '>', iso)
      .where(isActiveUser(now))
      .executeTakeFirst();
    if (!session) return null;
    const roles = await rolesOf(db, session.user_id);
    if (roles.length === 0) return null;
    const secondsLeft = (Date.parse(session.expires_at) - now.getTime()) / 1000;
    await db
      .updateTable('console_sessions')
      .set({ idle_ends_at: this.idleEnd(now, secondsLeft) })
      .where('id', '=', session.id)
      .execute();
    return {
      actor: `account:${session.username}`,
      accountId: session.user_id,
      via: 'console',
      permissions: permissionsFor(roles),
      consoleSessionId: session.id,
    };
  }

  /** The signed-in agent, for GET /v1/console/me. */
  async me(principal: Principal): Promise<AgentView> {
    if (!principal.accountId)
      return { username: principal.actor, displayName: principal.actor, roles: [], permissions: [...principal.permissions].sort() };
    const user = await this.deps.db.selectFrom('users').selectAll().where('id', '=', principal.accountId).executeTakeFirstOrThrow();
    return agentView(this.deps.db, user);
  }

  /** Ends the console session the call came in (nothing for a token or the bootstrap token). */
  async signOut(principal: Principal): Promise<void> {
    const sessionId = principal.consoleSessionId;
    if (!sessionId) return;
    await transaction(this.deps.db, async (tx) => {
      const ended = await tx
        .updateTable('console_sessions')
        .set({ ended_at: this.deps.clock.now().toISOString() })
        .where('id', '=', sessionId)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      if (ended.numUpdatedRows === 0n) return;
      await appendAuditIn(tx, this.deps.clock, {
        event: 'operator.signed_out',
        actor: principal.actor,
        userId: principal.accountId,
        details: { sessionId },
      });
    });
  }
}
