import { appendAudit, type AuditEntry } from '../audit.js';
import type { ServiceDeps } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { tierFor, type ResolvedTier } from '../policy/evaluate.js';

/** What every step of enrolment reads the same way: the database, the clock, a person's tier, a lone audit row. */
export abstract class EnrolmentStep {
  constructor(protected readonly deps: ServiceDeps) {}

  protected get db() {
    return this.deps.db;
  }
  protected now() {
    return this.deps.clock.now();
  }
  protected tier(user: UserRow): ResolvedTier {
    return tierFor(this.deps.policy.policy, user);
  }
  /** For refusals that change nothing else: the audit row is the whole write. */
  protected audit(entry: AuditEntry) {
    return appendAudit(this.db, this.deps.clock, entry);
  }
}
