import type { ConfirmationView, ConfirmNewHireRequest, OperatorCheck, OperatorOptionsResponse } from '../../api/kiosk.js';
import { appendAudit, appendAuditIn } from '../audit.js';
import { addSeconds } from '../clock.js';
import type { ServiceDeps } from '../context.js';
import { decoyCredential } from '../authentication/decoy.js';
import { transaction } from '../db/transaction.js';
import { ApiFailure } from '../errors.js';
import { tierFor } from '../policy/evaluate.js';
import { newId } from '../secrets.js';
import { buildRequestOptions, verifyAuthentication } from '../webauthn/authentication.js';
import { cancelUnusedConfirmationsIn } from './confirmations.js';
import { operatorKeysOf } from './operator-trust.js';
import type { StationRegistry } from './stations.js';

/**
 * The operator step at a kiosk station: an operator (a person whose role is an operator role, with
 * an active security key of their own) checks the new hire in person and confirms it with an
 * assertion, user verification required. The confirmation names operator, new hire, station and
 * checks, and lets that new hire's code open one session on that station for a short while.
 */
export class OperatorStep {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly stations: StationRegistry,
  ) {}

  async options(operator: string, jkt: string): Promise<OperatorOptionsResponse> {
    const { db, clock, config } = this.deps;
    const station = await this.stations.require(jkt);
    const user = await db.selectFrom('users').selectAll().where('username', '=', operator).executeTakeFirst();
    const keys = await operatorKeysOf(db, config.kioskOperatorRoles, user, clock.now());
    const known = user !== undefined && keys.length > 0;
    const options = await buildRequestOptions({
      rpId: config.rpId,
      allowCredentials: known
        ? keys.map((k) => ({ id: k.id, transports: JSON.parse(k.transports) as string[] }))
        : [await decoyCredential(db, operator)],
      userVerification: 'required',
      timeoutMs: config.ceremonyTimeoutMs,
    });
    const now = clock.now();
    const ceremonyId = newId();
    await transaction(db, async (tx) => {
      await tx
        .insertInto('operator_ceremonies')
        .values({
          id: ceremonyId,
          station_id: station.id,
          operator_id: known ? user.id : null,
          challenge: options.challenge,
          created_at: now.toISOString(),
          expires_at: addSeconds(now, config.ceremonyTimeoutMs / 1000).toISOString(),
          used_at: null,
        })
        .execute();
      await appendAuditIn(tx, clock, {
        event: 'kiosk.operator_challenged',
        actor: station.name,
        userId: known ? user.id : null,
        details: { stationId: station.id, ceremonyId, knownOperator: known },
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
    const operator = ceremony.operator_id
      ? await db.selectFrom('users').selectAll().where('id', '=', ceremony.operator_id).executeTakeFirst()
      : undefined;
    // Checked again now: a role taken away or a key revoked since the options counts.
    const keys = await operatorKeysOf(db, config.kioskOperatorRoles, operator, now);
    const key = keys.find((k) => k.id === input.response.id);
    if (!operator || !key) return refuse('not an operator, or not one of their security keys', 'not_an_operator');
    const userHandle = input.response.response.userHandle;
    if (userHandle && userHandle !== Buffer.from(operator.id).toString('base64url'))
      return refuse('user_handle_mismatch', 'not_an_operator');
    const outcome = await verifyAuthentication({
      response: input.response,
      expectedChallenge: ceremony.challenge,
      expectedOrigins: config.origins,
      expectedRpId: config.rpId,
      credential: { id: key.id, publicKey: key.public_key, counter: key.counter, transports: JSON.parse(key.transports) as string[] },
      requireUserVerification: true,
    });
    if (!outcome.ok) return refuse(outcome.reason, 'verification_failed');
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
