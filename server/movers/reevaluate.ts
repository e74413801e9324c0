import { appendAuditIn } from '../audit.js';
import { addSeconds } from '../clock.js';
import type { Executor, ServiceDeps } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { tierFor } from '../policy/evaluate.js';
import { notify } from '../notifications/outbox.js';
import { factorGap, graceDaysOf } from './compliance.js';
import { issueMoverCodeIn } from './mover-code.js';

/** After this long a factor restored by a move gets a fresh grace period if it falls short again. */
const REGRACE_AFTER_DAYS = 365;

export type MoverDeps = Pick<ServiceDeps, 'clock' | 'config' | 'policy'>;

export interface Move {
  userId: string;
  /** The person's role and employment before the change; the user row already holds the new ones. */
  before: Pick<UserRow, 'role' | 'employment_type'>;
  actor: string;
  via: string;
}

export interface MoveOutcome {
  fromTier: string | null;
  toTier: string | null;
  /** Factors newly found short of the new tier, each working until `deadline`. */
  nonCompliant: string[];
  /** Factors that meet the tier again (a move to a less strict tier). */
  restored: string[];
  deadline: string | null;
  /** An enrolment code went to the outbox: no factor of theirs could open a session to add the required one. */
  codeIssued: boolean;
}

function tierName(deps: MoverDeps, user: UserRow): string | null {
  // Service accounts have no tier: they never hold an interactive factor.
  return user.account_kind === 'service' ? null : tierFor(deps.policy.policy, user).name;
}

/**
 * A mover, inside the transaction that changed their role or employment type: judges every factor they can use
 * against the tier they are in now. One that falls short becomes non-compliant, working until the tier's grace
 * period ends (then the sweep suspends it: server/movers/grace-sweep.ts); one that meets the tier again is
 * restored. The person is told, with the way to comply: a session opened with a factor they have adds the
 * required one, or, when no factor of theirs can open a session, a new enrolment code reaches them.
 */
export async function reevaluateMoverIn(tx: Executor, deps: MoverDeps, move: Move): Promise<MoveOutcome> {
  const { clock, policy } = deps;
  const now = clock.now();
  const user = await tx.selectFrom('users').selectAll().where('id', '=', move.userId).executeTakeFirstOrThrow();
  const fromTier = tierName(deps, { ...user, role: move.before.role, employment_type: move.before.employment_type });
  const toTier = tierName(deps, user);
  await appendAuditIn(tx, clock, {
    event: 'user.role_changed',
    actor: move.actor,
    userId: user.id,
    details: {
      fromRole: move.before.role,
      toRole: user.role,
      fromEmployment: move.before.employment_type,
      toEmployment: user.employment_type,
      fromTier,
      toTier,
      via: move.via,
    },
  });
  const outcome: MoveOutcome = { fromTier, toTier, nonCompliant: [], restored: [], deadline: null, codeIssued: false };
  const left = await tx.selectFrom('user_provisioning').select('deactivated_at').where('user_id', '=', user.id).executeTakeFirst();
  if (toTier === null || left?.deactivated_at) return outcome;

  const tier = policy.policy.tiers[toTier];
  if (!tier) return outcome;
  const usable = await tx
    .selectFrom('credentials')
    .selectAll()
    .where('user_id', '=', user.id)
    .where('status', '=', 'active')
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now.toISOString())]))
    .orderBy('created_at')
    .execute();
  const open = new Map(
    (
      await tx
        .selectFrom('factor_compliance')
        .select(['credential_id', 'deadline'])
        .where('user_id', '=', user.id)
        .where('resolved_at', 'is', null)
        .execute()
    ).map((r) => [r.credential_id, r.deadline]),
  );
  const deadline = addSeconds(now, graceDaysOf(tier) * 86_400).toISOString();
  // A factor that was short before and restored by moving away keeps that earlier deadline when it falls
  // short again within a year: moving away and back never buys another grace period.
  const earlier = new Map(
    (
      await tx
        .selectFrom('factor_compliance')
        .select(['credential_id', 'deadline'])
        .where('user_id', '=', user.id)
        .where('resolution', '=', 'restored')
        .where('resolved_at', '>', addSeconds(now, -REGRACE_AFTER_DAYS * 86_400).toISOString())
        .execute()
    ).map((r) => [r.credential_id, r.deadline]),
  );
  for (const factor of usable) {
    const gap = factorGap(policy.policy, tier, factor);
    const openDeadline = open.get(factor.id);
    if (gap === null) {
      if (openDeadline === undefined) continue;
      await tx
        .updateTable('factor_compliance')
        .set({ resolved_at: now.toISOString(), resolution: 'restored' })
        .where('credential_id', '=', factor.id)
        .execute();
      await appendAuditIn(tx, clock, {
        event: 'factor.compliance_restored',
        actor: move.actor,
        userId: user.id,
        details: { credentialId: factor.id, factor: factor.factor, tier: toTier, via: move.via },
      });
      outcome.restored.push(factor.id);
      continue;
    }
    // Already short of an earlier move's tier: its deadline stands, so moving again never buys more time.
    if (openDeadline !== undefined) {
      await tx.updateTable('factor_compliance').set({ reason: gap, tier: toTier }).where('credential_id', '=', factor.id).execute();
      outcome.deadline = outcome.deadline && outcome.deadline < openDeadline ? outcome.deadline : openDeadline;
      continue;
    }
    const kept = earlier.get(factor.id);
    const due = kept !== undefined && kept < deadline ? kept : deadline;
    const row = {
      user_id: user.id,
      reason: gap,
      tier: toTier,
      since: now.toISOString(),
      deadline: due,
      resolved_at: null,
      resolution: null,
    };
    await tx
      .insertInto('factor_compliance')
      .values({ credential_id: factor.id, ...row })
      .onConflict((oc) => oc.column('credential_id').doUpdateSet(row))
      .execute();
    await appendAuditIn(tx, clock, {
      event: 'factor.non_compliant',
      actor: move.actor,
      userId: user.id,
      details: { credentialId: factor.id, factor: factor.factor, reason: gap, tier: toTier, deadline: due, via: move.via },
    });
    outcome.nonCompliant.push(factor.id);
    outcome.deadline = outcome.deadline && outcome.deadline < due ? outcome.deadline : due;
  }

  if (outcome.nonCompliant.length > 0) {
    await notify(tx, clock, {
      user,
      kind: 'factor.non_compliant',
      details: {
        deadline: outcome.deadline,
        acceptedFactors: tier.factors,
        factors: outcome.nonCompliant,
        // Every non-compliant factor still opens a session until the deadline: "Manage my sign-in keys", then "Add a key".
        way: 'add_a_key',
      },
    });
  }
  // Non-compliant factors still open a session; only with none usable at all does the person need a code.
  if (usable.length === 0) outcome.codeIssued = await issueMoverCodeIn(tx, deps, user, move.actor, toTier);
  return outcome;
}
