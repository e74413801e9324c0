import type { Migration } from 'kysely';
import type { DatabaseKind } from '../handle.js';

/** Migrations for the audit trail's keyed chain and checkpoints. Never edit a released one: add the next. */
export function auditProofMigrations(_kind: DatabaseKind): Record<string, Migration> {
  return {};
}
