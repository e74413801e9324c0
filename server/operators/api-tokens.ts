import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { ApiTokenView, IssuedToken, IssueTokenRequest } from '../../api/operations/operators.js';
import { Permission } from '../../api/permissions.js';
import { isActiveUser } from '../accounts/active.js';
import { appendAuditIn } from '../audit.js';
import { addSeconds } from '../clock.js';
import type { ServiceDeps } from '../context.js';
import { transaction } from '../db/transaction.js';
import type { ApiTokensTable } from '../db/schema-operators.js';
import { ApiFailure } from '../errors.js';
import { newId, sha256 } from '../secrets.js';
import type { Principal } from './principal.js';
import { permissionsOf } from './roles.js';

const DAY_SECONDS = 86_400;
/** `fk_<id>_<secret>`: the id is a UUID (hex and dashes), the secret 32 random bytes in base64url. */
const TOKEN_SHAPE = /^fk_([0-9a-f-]{36})_([A-Za-z0-9_-]{43})$/;

function scopesOf(row: Pick<ApiTokensTable, 'scopes'>): Permission[] {
  return (JSON.parse(row.scopes) as unknown[]).flatMap((s) => {
    const parsed = Permission.safeParse(s);
    return parsed.success ? [parsed.data] : [];
  });
}

function view(row: ApiTokensTable, username: string): ApiTokenView {
  return {
    id: row.id,
    username,
    name: row.name,
    scopes: scopesOf(row),
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

/**
 * Per-account API tokens for scripts and the CLI: bound to one person's account, scopes within the
 * account's roles when issued and again at every use (a role revoked later takes its permissions
 * from the account's tokens at once), only the sha256 stored.
 */
export class ApiTokens {
  constructor(readonly deps: ServiceDeps) {}

  /**
   * `issuerAccountId`: the account of the person asking. A person issues tokens for their own
   * account only: a token acts as its account, so one issued for someone else would let one admin
   * decide as two people. The bootstrap token and the CLI at the server (null) set up any account.
   */
  async issue(
    username: string,
    input: z.infer<typeof IssueTokenRequest>,
    actor: string,
    issuerAccountId: string | null = null,
  ): Promise<IssuedToken> {
    const { db, clock } = this.deps;
    return transaction(db, async (tx) => {
      const user = await tx.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
      if (!user) throw new ApiFailure('not_found', `no user ${username}`);
      if (issuerAccountId !== null && issuerAccountId !== user.id)
        throw new ApiFailure('forbidden', 'you issue API tokens for your own account only: a token acts as the person it belongs to');
      const held = await permissionsOf(tx, user.id);
      const beyond = input.scopes.filter((scope) => !held.has(scope));
      if (beyond.length > 0) {
        throw new ApiFailure(
          'invalid_request',
          `${username}'s roles do not grant ${beyond.join(', ')}: a token holds no more than its account`,
        );
      }
      const now = clock.now();
      const id = newId();
      const token = `fk_${id}_${randomBytes(32).toString('base64url')}`;
      const row: ApiTokensTable = {
        id,
        user_id: user.id,
        name: input.name,
        token_hash: sha256(token),
        scopes: JSON.stringify([...new Set(input.scopes)].sort()),
        created_by: actor,
        created_at: now.toISOString(),
        expires_at: input.expiresInDays ? addSeconds(now, input.expiresInDays * DAY_SECONDS).toISOString() : null,
        last_used_at: null,
        revoked_at: null,
      };
      await tx.insertInto('api_tokens').values(row).execute();
      await appendAuditIn(tx, clock, {
        event: 'operator.token_issued',
        actor,
        userId: user.id,
        details: { tokenId: id, name: row.name, scopes: scopesOf(row).join(','), expiresAt: row.expires_at },
      });
      return { ...view(row, user.username), token };
    });
  }

  async list(): Promise<ApiTokenView[]> {
    const rows = await this.deps.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .selectAll('api_tokens')
      .select('users.username')
      .orderBy('api_tokens.created_at')
      .execute();
    return rows.map((row) => view(row, row.username));
  }

  async revoke(id: string, actor: string): Promise<void> {
    const { db, clock } = this.deps;
    await transaction(db, async (tx) => {
      const row = await tx.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new ApiFailure('not_found', `no API token ${id}`);
      if (row.revoked_at) return;
      await tx.updateTable('api_tokens').set({ revoked_at: clock.now().toISOString() }).where('id', '=', id).execute();
      await appendAuditIn(tx, clock, {
        event: 'operator.token_revoked',
        actor,
        userId: row.user_id,
        details: { tokenId: id, name: row.name },
      });
    });
  }

  /**
   * The account behind a presented token, or null when it is malformed, unknown, revoked, expired
   * or its account left. Its permissions are its scopes that the account's roles still grant.
   */
  async principal(token: string): Promise<Principal | null> {
    const { db, clock } = this.deps;
    const match = TOKEN_SHAPE.exec(token);
    if (!match?.[1]) return null;
    const now = clock.now();
    const iso = now.toISOString();
    // Looked up by the hash of the whole token: the id alone finds nothing, and no secret is compared in JS.
    const row = await db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .selectAll('api_tokens')
      .select('users.username')
      .where('api_tokens.token_hash', '=', sha256(token))
      .where('api_tokens.id', '=', match[1])
      .where('api_tokens.revoked_at', 'is', null)
      .where((eb) => eb.or([eb('api_tokens.expires_at', 'is', null), eb('api_tokens.expires_at', '>', iso)]))
      .where(isActiveUser(now))
      .executeTakeFirst();
    if (!row) return null;
    const held = await permissionsOf(db, row.user_id);
    await db.updateTable('api_tokens').set({ last_used_at: iso }).where('id', '=', row.id).execute();
    return {
      actor: `account:${row.username}`,
      accountId: row.user_id,
      via: 'token',
      permissions: new Set(scopesOf(row).filter((scope) => held.has(scope))),
    };
  }
}
