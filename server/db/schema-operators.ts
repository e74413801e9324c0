/** Times are ISO-8601 UTC strings, as in server/db/schema.ts. */
type Iso = string;

/** A role an operator account holds (api/permissions.ts OperatorRole); revoking deletes the row, the audit trail keeps the history. */
export interface OperatorRolesTable {
  user_id: string;
  role: string;
  granted_by: string;
  granted_at: Iso;
}

/** A console sign-in in progress: the challenge, spent once, short. */
export interface ConsoleCeremoniesTable {
  id: string;
  /** Null for a username that is unknown or holds no role: the ceremony then fails at verification. */
  user_id: string | null;
  challenge: string;
  created_at: Iso;
  expires_at: Iso;
  used_at: Iso | null;
}

/** A signed-in agent's console session: only the sha256 of its token is stored. */
export interface ConsoleSessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  credential_id: string;
  created_at: Iso;
  expires_at: Iso;
  idle_ends_at: Iso;
  ended_at: Iso | null;
}

/** A per-account API token `fk_<id>_<secret>`: the sha256 of the whole token, its scopes as a JSON array of permissions. */
export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  scopes: string;
  created_by: string;
  created_at: Iso;
  expires_at: Iso | null;
  last_used_at: Iso | null;
  revoked_at: Iso | null;
}

/** The tables of operator accounts' roles, API tokens and console sessions; part of Database (server/db/schema.ts). */
export interface OperatorTables {
  operator_roles: OperatorRolesTable;
  console_ceremonies: ConsoleCeremoniesTable;
  console_sessions: ConsoleSessionsTable;
  api_tokens: ApiTokensTable;
}
