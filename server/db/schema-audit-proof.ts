/** The tables of the audit trail's checkpoints; part of Database (server/db/schema.ts). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled as the tables arrive
export interface AuditProofTables {}
