import type { z } from 'zod';
import type { ConsoleSessionResponse, ConsoleSignInOptionsResponse, ConsoleSignInRequest } from '../../api/operations/operators.js';
import { assertUserActive } from '../accounts/active.js';
import { appendAudit, appendAuditIn } from '../audit.js';
import { decoyCredentialIds } from '../authentication/decoy.js';
import { signInAccount } from '../authentication/factors.js';
import { addSeconds } from '../clock.js';
import type { ServiceDeps } from '../context.js';
import { transaction } from '../db/transaction.js';
import { recordBreakGlassUseIn } from '../break-glass/use.js';
import { ApiFailure } from '../errors.js';
import { newId } from '../secrets.js';
import { buildRequestOptions, verifyAuthentication } from '../webauthn/authentication.js';
import type { ConsoleSessions } from './console-sessions.js';
import { rolesOf } from './roles.js';

type OptionsResponse = z.infer<typeof ConsoleSignInOptionsResponse>;
type SignInRequest = z.infer<typeof ConsoleSignInRequest>;

/** A console sign-in ceremony is short: long enough to touch a key, no longer. */
const CEREMONY_SECONDS = 120;

/**
 * Every answer names at least this many credentials, and none with its transports: an operator with
 * one or two keys, of whatever kind, looks like a name with none (padded with that name's decoys).
 */
const OFFERED_CREDENTIALS = 2;

/**
 * An agent signs in to the help-desk console with their own enrolled factor, at the console origin,
 * with user verification. Anyone may ask for options, and gets what the app's sign-in would name: any
 * active person's real credential ids, whether or not they hold a role, and decoy ids for an unknown
 * username, in one shape. Roles are checked only at verification, which refuses a person holding none
 * as it refuses an unknown name.
 */
export class ConsoleSignIn {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly sessions: ConsoleSessions,
  ) {}

  async options(username: string): Promise<OptionsResponse> {
    const { db, clock, config } = this.deps;
    const now = clock.now();
    // The app's own lookup, roles unread: the app offers anyone's real ids, so offering a non-operator
    // decoys here would tell whoever compares the two answers who is an operator.
    const account = await signInAccount(db, username, now);
    const factors = account?.factors ?? [];
    const decoys = await decoyCredentialIds(db, username, OFFERED_CREDENTIALS);
    // Without transports the browser offers every way to reach a key, so one list shape serves all.
    const ids = [...factors.map((f) => f.id), ...decoys].slice(0, Math.max(OFFERED_CREDENTIALS, factors.length));
    const options = await buildRequestOptions({
      rpId: config.rpId,
      allowCredentials: ids.map((id) => ({ id, transports: [] })),
      userVerification: 'required',
      timeoutMs: CEREMONY_SECONDS * 1000,
    });
    const ceremonyId = newId();
    await db
      .insertInto('console_ceremonies')
      .values({
        id: ceremonyId,
        user_id: account?.user.id ?? null,
        challenge: options.challenge,
        created_at: now.toISOString(),
        expires_at: addSeconds(now, CEREMONY_SECONDS).toISOString(),
        used_at: null,
      })
      .execute();
    return { ceremonyId, options };
  }

  async signIn(input: SignInRequest): Promise<ConsoleSessionResponse> {
    const { db, clock, config } = this.deps;
    const now = clock.now().toISOString();
    const ceremony = await db.selectFrom('console_ceremonies').selectAll().where('id', '=', input.ceremonyId).executeTakeFirst();
    if (!ceremony || ceremony.used_at || ceremony.expires_at <= now) {
      throw new ApiFailure('challenge_missing', 'ask for sign-in options first');
    }
    // Spent before verifying: a replayed assertion finds nothing to match.
    const spent = await db
      .updateTable('console_ceremonies')
      .set({ used_at: now })
      .where('id', '=', ceremony.id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (spent.numUpdatedRows !== 1n) throw new ApiFailure('challenge_missing', 'ask for sign-in options first');

    const credentialId = input.response.id;
    /** `told`: what the key's holder reads; only after the signature verified does a refusal say more than "refused". */
    const refuse = async (
      reason: string,
      code: 'verification_failed' | 'factor_revoked' | 'factor_not_allowed' = 'verification_failed',
      told?: string,
    ): Promise<never> => {
      await appendAudit(db, clock, {
        event: 'operator.sign_in_refused',
        actor: 'anonymous',
        userId: ceremony.user_id,
        details: { ceremonyId: ceremony.id, reason, credentialId },
      });
      throw new ApiFailure(code, told ?? (code === 'factor_revoked' ? reason : 'the console sign-in was refused'));
    };
    const credential = ceremony.user_id
      ? await db
          .selectFrom('credentials')
          .selectAll()
          .where('id', '=', credentialId)
          .where('user_id', '=', ceremony.user_id)
          .executeTakeFirst()
      : undefined;
    if (!ceremony.user_id || !credential || credential.status === 'pending') return refuse('unknown_credential');
    const user = await db.selectFrom('users').selectAll().where('id', '=', ceremony.user_id).executeTakeFirstOrThrow();
    const userHandle = input.response.response.userHandle;
    if (userHandle && userHandle !== Buffer.from(user.id).toString('base64url')) return refuse('user_handle_mismatch');

    const outcome = await verifyAuthentication({
      response: input.response,
      expectedChallenge: ceremony.challenge,
      expectedOrigins: [config.consoleOrigin],
      expectedRpId: config.rpId,
      credential: {
        id: credential.id,
        publicKey: credential.public_key,
        counter: credential.counter,
        transports: JSON.parse(credential.transports) as string[],
      },
      requireUserVerification: true,
    });
    if (!outcome.ok) return refuse(outcome.reason);
    // A break-glass key that signed, even where it opens nothing, was taken out of its safe: noticed as any use is.
    if (user.account_kind === 'break-glass')
      await transaction(db, (tx) => recordBreakGlassUseIn(tx, clock, user, credential, { id: 'console', name: 'FirstKey console' }));
    // The roles decide here, and first: the options named this person's keys whatever their roles, and one
    // holding none is told no more than an unknown name is, not even that their key is revoked or synced.
    if ((await rolesOf(db, user.id)).length === 0) return refuse('no_operator_role');
    // Only the key's holder learns that the factor no longer counts: the signature verified first.
    if (credential.status !== 'active') return refuse(`factor ${credential.status}`, 'factor_revoked');
    if (credential.expires_at && credential.expires_at <= now) return refuse('factor expired', 'factor_revoked');
    // An operator acts on everyone's accounts: a synced passkey lives in a cloud account an attacker can
    // phish or recover, whatever tier the person's own role puts them in. A device-bound key only.
    if (credential.backup_eligible === 1)
      return refuse(
        'synced credential',
        'factor_not_allowed',
        'sign in to the console with a security key or a passkey that is not synced',
      );

    return transaction(db, async (tx) => {
      await assertUserActive(tx, user.id, clock.now());
      await tx
        .updateTable('credentials')
        .set({ counter: outcome.assertion.newCounter, last_used_at: now })
        .where('id', '=', credential.id)
        .execute();
      const session = await this.sessions.open(tx, user, credential.id);
      await appendAuditIn(tx, clock, {
        event: 'operator.signed_in',
        actor: `account:${user.username}`,
        userId: user.id,
        details: {
          ceremonyId: ceremony.id,
          credentialId: credential.id,
          roles: session.agent.roles.join(','),
          expiresAt: session.expiresAt,
        },
      });
      return session;
    });
  }
}
