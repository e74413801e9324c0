/** Times are ISO-8601 UTC strings, as in server/db/schema.ts. */
type Iso = string;

/**
 * A person's state as the identity provider sees it, one row per user that provisioning touched
 * (no row: active, as every user was before). Kept beside `users`, not in it, so every existing
 * reader and writer of a user row stays as it was.
 */
export interface UserProvisioningTable {
  user_id: string;
  /** The identity provider's own id for the person (SCIM externalId); unique when set. */
  external_id: string | null;
  /** The person's manager as the identity provider names them (a username or an id). */
  manager: string | null;
  /** A contractor's last day (YYYY-MM-DD, UTC): from the next day on they are refused and swept out. */
  end_date: string | null;
  /** When the person left (SCIM active=false, DELETE, import, end date): every way in refuses them. */
  deactivated_at: Iso | null;
  /** SCIM DELETE: deactivated and hidden from SCIM, kept so the audit trail's references hold. */
  deleted_at: Iso | null;
  /** Last change by provisioning (SCIM meta.lastModified). */
  updated_at: Iso;
}

/** The tables of provisioning (SCIM, CSV joiners); part of Database (server/db/schema.ts). */
export interface ProvisioningTables {
  user_provisioning: UserProvisioningTable;
}
