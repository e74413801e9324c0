/** Times are ISO-8601 UTC strings, as in server/db/schema.ts. */
type Iso = string;

/** The person answerable for a service account: the one who may ask to act for it. One per service account. */
export interface ServiceAccountOwnersTable {
  service_user_id: string;
  owner_user_id: string;
  /** The audit actor who named them. */
  assigned_by: string;
  assigned_at: Iso;
}

/**
 * One request to act for a service account, from filing to its end. No credential, session or
 * device is ever bound to the service account: the token is the grant's, and only its hash is kept.
 */
export interface EmergencyGrantsTable {
  id: string;
  /** 8 Crockford base32 characters, unique, shown as `K7MQ-4QX9`. */
  reference: string;
  service_user_id: string;
  owner_user_id: string;
  reason: string;
  minutes: number;
  status: 'requested' | 'approved' | 'active' | 'denied' | 'expired' | 'ended';
  requested_at: Iso;
  /** The owner's manage session and device the request came from. */
  requested_session_id: string;
  requested_device_id: string | null;
  /** While requested: when it lapses undecided; once approved: the window's end. */
  expires_at: Iso;
  /** The deciding admin's account (never the owner's, never the bootstrap token). */
  decided_by: string | null;
  decided_by_actor: string | null;
  decided_at: Iso | null;
  decision_reason: string | null;
  activated_at: Iso | null;
  /** sha256 of the token's secret, set once at activation. */
  token_hash: string | null;
  ended_at: Iso | null;
  ended_by: string | null;
  end_reason: string | null;
  /** Introspections answered active. */
  uses: number;
}

/** The tables of emergency access; part of Database (server/db/schema.ts). */
export interface EmergencyAccessTables {
  service_account_owners: ServiceAccountOwnersTable;
  emergency_grants: EmergencyGrantsTable;
}
