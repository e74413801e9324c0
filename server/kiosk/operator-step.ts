import type { ConfirmationView, ConfirmNewHireRequest, OperatorCheck, OperatorOptionsResponse } from '../../api/kiosk.js';
import { appendAudit, appendAuditIn } from '../audit.js';
import { addSeconds } from '../clock.js';
import type { ServiceDeps } from '../context.js';
import { decoyCredentialIds } from '../authentication/decoy.js';
import { signInAccount } from '../authentication/factors.js';
import { transaction } from '../db/transaction.js';
import { ApiFailure } from '../errors.js';
import { tierFor } from '../policy/evaluate.js';
import { newId } from '../secrets.js';
import { buildRequestOptions, verifyAuthentication } from '../webauthn/authentication.js';
import { cancelUnusedConfirmationsIn } from './confirmations.js';
import { keysInHandOf, operatorKeysOf } from './operator-trust.js';
import type { StationRegistry } from './stations.js';

/**
 * Every answer names at least this many credential ids, and none with its transports: a person with one
 * key in hand looks like one with two, and like a name with none (padded with that name's decoys).
 */
const OFFERED_CREDENTIALS = 2;

/** What the station is told when the name is no operator's, or the key none of theirs: one answer for every such case. */
const NOT_AN_OPERATOR = 'not an operator, or not one of their security keys';

/**
 * The operator step at a kiosk station: an operator (a person whose role is an operator role, with
 * an active security key of their own) checks the new hire in person and confirms it with an
 * assertion, user verification required. The confirmation names operator, new hire, station and
 * checks, and lets that new hire's code open one session on that station for a short while.
 * Anyone may ask for options and gets the keys in hand of any active person, whether or not an operator
 * (the app's sign-in names them too), so the two answers compared do not tell who is an operator; that is
 * decided at `confirm`, first after the signature, refusing a non-operator exactly as an unknown name.
 */
export class OperatorStep {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly stations: StationRegistry,
  ) {}

  async options(operator: string, jkt: string): Promise<OperatorOptionsResponse> {
    const { db, clock, config } = this.deps;
    const station = await this.stations.require(jkt);
    const now = clock.now();
    // The app's own lookup, roles unread: the app names anyone's real ids, so naming only an operator's
    // here would tell whoever compares the two answers who is an operator.
    const account = await signInAccount(db, operator, now);
    const keys = await keysInHandOf(db, account?.user, now);
    const decoys = await decoyCredentialIds(db, operator, OFFERED_CREDENTIALS);
    const ids = [...keys.map((k) => k.id), ...decoys].slice(0, Math.max(OFFERED_CREDENTIALS, keys.length));
    // Without transports the browser tries every way to reach a key, so one list shape serves all.
    const options = await buildRequestOptions({
      rpId: config.rpId,
      allowCredentials: ids.map((id) => ({ id, transports: [] })),
      userVerification: 'required',
      timeoutMs: config.ceremonyTimeoutMs,
    });
    const ceremonyId = newId();
    const personId = account?.user.id ?? null;
    await transaction(db, async (tx) => {
      await tx
        .insertInto('operator_ceremonies')
        .values({
          id: ceremonyId,
          station_id: station.id,
          operator_id: personId,
          challenge: options.challenge,
          created_at: now.toISOString(),
          expires_at: addSeconds(now, config.ceremonyTimeoutMs / 1000).toISOString(),
          used_at: null,
        })
        .execute();
      await appendAuditIn(tx, clock, {
        event: 'kiosk.operator_challenged',
        actor: station.name,
        userId: personId,
        // Whether the name is an active person's, operator or not: the options did not ask which.
        details: { stationId: station.id, ceremonyId, knownPerson: personId !== null, keysInHand: keys.length },
      });
    });
    return { ceremonyId, options };
  }

  /** The station sends the person away (or resets): none of its unused confirmations opens a session any more. */
  async cancelConfirmations(jkt: string): Promise<void> {
    const { db, clock } = this.deps;
    const station = await this.stations.require(jkt);
    const now = clock.now();
    await transaction(db, async (tx) => {
      const cancelled = await cancelUnusedConfirmationsIn(tx, station.id, now);
      await tx.updateTable('stations').set({ last_seen_at: now.toISOString() }).where('id', '=', station.id).execute();
      await appendAuditIn(tx, clock, {
        event: 'kiosk.confirmations_cancelled',
        actor: station.name,
        userId: null,
        details: { stationId: station.id, cancelled: cancelled.join(','), count: cancelled.length },
      });
    });
  }

  async confirm(input: ConfirmNewHireRequest, jkt: string): Promise<ConfirmationView> {
    const { db, clock, config } = this.deps;
    const station = await this.stations.require(jkt);
    const now = clock.now();
    const ceremony = await db.selectFrom('operator_ceremonies').selectAll().where('id', '=', input.ceremonyId).executeTakeFirst();
    if (!ceremony || ceremony.station_id !== station.id || ceremony.used_at || ceremony.expires_at <= now.toISOString()) {
      throw new ApiFailure('challenge_missing', 'ask for operator options first');
    }
    // Spend the challenge before verifying: a replayed assertion finds nothing to match.
    const spent = await db
      .updateTable('operator_ceremonies')
      .set({ used_at: now.toISOString() })
      .where('id', '=', ceremony.id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (spent.numUpdatedRows !== 1n) throw new ApiFailure('challenge_missing', 'ask for operator options first');

    const refuse = async (reason: string, code: 'not_an_operator' | 'verification_failed' | 'approval_refused'): Promise<never> => {
      await appendAudit(db, clock, {
        event: 'kiosk.refused',
        actor: station.name,
        userId: ceremony.operator_id,
        details: { stationId: station.id, ceremonyId: ceremony.id, reason, newHire: input.newHire },
      });
      throw new ApiFailure(code, reason);
    };
    const person = ceremony.operator_id
      ? await db.selectFrom('users').selectAll().where('id', '=', ceremony.operator_id).executeTakeFirst()
      : undefined;
    // The keys the options named, operator or not: until the signature verified, a non-operator's key is
    // handled exactly as an operator's, so no answer before it tells the two apart.
    const offered = await keysInHandOf(db, person, now);
    const key = offered.find((k) => k.id === input.response.id);
    if (!person || !key) return refuse(NOT_AN_OPERATOR, 'not_an_operator');
    const userHandle = input.response.response.userHandle;
    if (userHandle && userHandle !== Buffer.from(person.id).toString('base64url')) return refuse('user_handle_mismatch', 'not_an_operator');
    const outcome = await verifyAuthentication({
      response: input.response,
      expectedChallenge: ceremony.challenge,
      expectedOrigins: config.origins,
      expectedRpId: config.rpId,
      credential: { id: key.id, publicKey: key.public_key, counter: key.counter, transports: JSON.parse(key.transports) as string[] },
      requireUserVerification: true,
    });
    if (!outcome.ok) return refuse(outcome.reason, 'verification_failed');
    // The operator decides here, and first: read now, so a role taken away or a key revoked since the options
    // counts, and a non-operator is told no more than an unknown name is, not even what their key signed.
    const operatorKeys = await operatorKeysOf(db, config.kioskOperatorRoles, person, now);
    if (!operatorKeys.some((k) => k.id === key.id)) return refuse(NOT_AN_OPERATOR, 'not_an_operator');
    const operator = person;
    // The signed flags of this very assertion: a key that now says it syncs is no key in hand.
    if (outcome.assertion.backupEligible || outcome.assertion.backedUp) {
      return refuse(outcome.assertion.backupEligible ? 'backup_eligible' : 'backed_up', 'not_an_operator');
    }

    const newHire = await db.selectFrom('users').selectAll().where('username', '=', input.newHire).executeTakeFirst();
    if (!newHire) throw new ApiFailure('not_found', `no user ${input.newHire}`);
    tierFor(this.deps.policy.policy, newHire); // a service account gets no factor, confirmed or not
    if (newHire.id === operator.id) return refuse('an operator cannot confirm themselves', 'approval_refused');

    const checks: OperatorCheck[] = [...input.checks];
    const row = {
      id: newId(),
      station_id: station.id,
      operator_id: operator.id,
      operator_credential_id: key.id,
      new_hire_id: newHire.id,
      checks: JSON.stringify(checks),
      created_at: now.toISOString(),
      expires_at: addSeconds(now, config.kioskConfirmationSeconds).toISOString(),
      used_at: null,
      session_id: null,
      cancelled_at: null,
    };
    await transaction(db, async (tx) => {
      await tx
        .updateTable('credentials')
        .set({ counter: outcome.assertion.newCounter, last_used_at: now.toISOString() })
        .where('id', '=', key.id)
        .execute();
      await tx.updateTable('stations').set({ last_seen_at: now.toISOString() }).where('id', '=', station.id).execute();
      // One person at a time: whoever the operator confirmed before at this station, and who has not
      // opened a session yet, has been sent on; their code must not open one on this confirmation.
      const replaced = await cancelUnusedConfirmationsIn(tx, station.id, now);
      await tx.insertInto('kiosk_confirmations').values(row).execute();
      await appendAuditIn(tx, clock, {
        event: 'kiosk.confirmed',
        actor: operator.username,
        userId: newHire.id,
        details: {
          confirmationId: row.id,
          stationId: station.id,
          station: station.name,
          operatorId: operator.id,
          credentialId: key.id,
          checks: checks.join(','),
          userVerified: outcome.assertion.userVerified,
          replaced: replaced.join(','),
        },
      });
    });
    return {
      id: row.id,
      newHire: { username: newHire.username, displayName: newHire.display_name },
      operator: { username: operator.username, displayName: operator.display_name },
      checks,
      expiresAt: row.expires_at,
    };
  }
}
