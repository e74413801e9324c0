/** Times are ISO-8601 UTC strings, as in server/db/schema.ts. */
type Iso = string;

/**
 * One custodian's confirmation that they supervise a break-glass account's enrolment session.
 * One row per (session, custodian): the same operator confirming twice still counts once.
 */
export interface BreakGlassSupervisionsTable {
  id: string;
  session_id: string;
  /** The break-glass account being enrolled. */
  user_id: string;
  /** The confirming operator's own account (holding the admin role). */
  custodian_id: string;
  /** How the custodian proved presence: a console session opened by their own WebAuthn sign-in moments before. */
  via: 'console';
  confirmed_at: Iso;
}

/** What every break-glass key carries: who keeps it, and where (kept with the credential, by its id). */
export interface BreakGlassKeysTable {
  credential_id: string;
  user_id: string;
  /** The person who holds the key (e.g. "CISO, J. Doe"). */
  custodian: string;
  /** Where it is kept (e.g. "Safe 2, Berlin office"). */
  location: string;
  /** The operator account that labelled it (audit actor). */
  labelled_by: string;
  labelled_at: Iso;
}

/** The tables of break-glass accounts; part of Database (server/db/schema.ts). */
export interface BreakGlassTables {
  break_glass_supervisions: BreakGlassSupervisionsTable;
  break_glass_keys: BreakGlassKeysTable;
}
