/** Times are ISO-8601 UTC strings, as in server/db/schema.ts. */
type Iso = string;

/** A role an operator account holds (api/permissions.ts OperatorRole); revoking deletes the row, the audit trail keeps the history. */
export interface OperatorRolesTable {
  user_id: string;
  role: string;
  granted_by: string;
  granted_at: Iso;
}

/** The tables of operator accounts' roles, API tokens and console sessions; part of Database (server/db/schema.ts). */
export interface OperatorTables {
  operator_roles: OperatorRolesTable;
}
