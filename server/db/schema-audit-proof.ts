import type { Generated } from 'kysely';

/** A signed checkpoint of the audit trail (server/audit/checkpoints.ts). */
export interface AuditCheckpointsTable {
  id: Generated<number>;
  /** The last row the checkpoint covers. */
  seq: number;
  hash: string;
  at: string;
  /** How many rows up to seq: a row deleted before it shows. */
  count: number;
  /** HMAC-SHA256 under the checkpoint key derived from the audit key. */
  signature: string;
  /** When it went to the notification sink, outside the database's owner's reach; null until then. */
  exported_at: string | null;
}

/** The tables of the audit trail's checkpoints; part of Database (server/db/schema.ts). */
export interface AuditProofTables {
  audit_checkpoints: AuditCheckpointsTable;
}
