/** The tables of provisioning (SCIM, CSV joiners); part of Database (server/db/schema.ts). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled as the tables arrive
export interface ProvisioningTables {}
