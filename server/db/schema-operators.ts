/** The tables of operator accounts' roles, API tokens and console sessions; part of Database (server/db/schema.ts). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled as the tables arrive
export interface OperatorTables {}
