/** Times are ISO-8601 UTC strings, as in server/db/schema.ts. */
type Iso = string;

/**
 * One episode of a factor falling short of its owner's tier after a move (server/movers/): open while
 * `resolved_at` is null, the factor working until `deadline`; then it is suspended, or the episode ends
 * earlier when a move back makes it meet the tier again. Kept beside `credentials`, not in them, because a
 * non-compliant factor is still active: every way in keeps working for the grace period.
 */
export interface FactorComplianceTable {
  credential_id: string;
  user_id: string;
  /** What the factor lacks (server/movers/compliance.ts ComplianceGap). */
  reason: string;
  /** The tier it was judged against. */
  tier: string;
  since: Iso;
  deadline: Iso;
  resolved_at: Iso | null;
  /** `restored`: meets the tier again; `suspended`: the grace ended; `gone`: revoked or removed meanwhile. */
  resolution: 'restored' | 'suspended' | 'gone' | null;
}

/** The tables of movers; part of Database (server/db/schema.ts). */
export interface MoverTables {
  factor_compliance: FactorComplianceTable;
}
