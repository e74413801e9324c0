import { appendAuditIn } from '../audit.js';
import { addSeconds } from '../clock.js';
import type { Executor, ServiceDeps } from '../context.js';
import type { UserRow } from '../db/schema.js';
import type { NewCode } from '../enrolment/codes.js';
import { notify } from '../notifications/outbox.js';
import { newId, sha256 } from '../secrets.js';

export type IssueCodeDeps = Pick<ServiceDeps, 'clock' | 'config'>;

export interface IssueCodeOptions {
  /** Drawn by the caller, who knows whether a handle clash is retried in a new transaction or checked for in this one. */
  code: NewCode;
  ttlSeconds: number;
  /** The tier name the audit trail records. */
  tier: string;
  /**
   * Absent: the code is answered to the caller (admin API, CLI). Present: it goes to the person's own mailbox
   * through the outbox and never to the caller, and the audit trail says which way it went.
   */
  mailbox?: { delivery: 'invitation' | 'mover'; reason?: 'role_changed' };
}

export interface IssuedCode {
  codeId: string;
  /** Shown once (or mailed once): only its hash is stored. */
  code: string;
  link: string;
  expiresAt: string;
}

/** Whether a code, used or not, already holds `handle`: handles are unique across every code ever issued. */
export function handleTakenIn(ex: Executor): (handle: string) => Promise<boolean> {
  return async (handle) => Boolean(await ex.selectFrom('enrolment_codes').select('id').where('handle', '=', handle).executeTakeFirst());
}

/**
 * Stores a one-time enrolment code for `user` inside `tx`, audited as `code.issued` with the actor, and when
 * asked puts it in the person's outbox in the same commit. Whether the person may have a code is the caller's
 * question, asked before.
 */
export async function issueCodeIn(
  tx: Executor,
  deps: IssueCodeDeps,
  user: UserRow,
  actor: string,
  opts: IssueCodeOptions,
): Promise<IssuedCode> {
  const { clock, config } = deps;
  const { code, ttlSeconds, tier, mailbox } = opts;
  const now = clock.now();
  const expiresAt = addSeconds(now, ttlSeconds).toISOString();
  const codeId = newId();
  await tx
    .insertInto('enrolment_codes')
    .values({
      id: codeId,
      user_id: user.id,
      handle: code.handle,
      secret_hash: sha256(code.secret),
      created_at: now.toISOString(),
      expires_at: expiresAt,
      used_at: null,
      locked_at: null,
    })
    .execute();
  await appendAuditIn(tx, clock, {
    event: 'code.issued',
    actor,
    userId: user.id,
    details: { codeId, ttlSeconds, tier, ...(mailbox ? { delivery: mailbox.delivery } : {}) },
  });
  const link = `${config.linkBase}?code=${encodeURIComponent(code.display)}`;
  if (mailbox) {
    await notify(tx, clock, {
      user,
      kind: 'enrolment.invited',
      details: { code: code.display, link, expiresAt, ...(mailbox.reason ? { reason: mailbox.reason } : {}) },
    });
  }
  return { codeId, code: code.display, link, expiresAt };
}
