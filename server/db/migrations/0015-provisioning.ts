import type { Migration } from 'kysely';
import type { DatabaseKind } from '../handle.js';

/** Migrations for joiners and leavers: SCIM and CSV provisioning. Never edit a released one: add the next. */
export function provisioningMigrations(_kind: DatabaseKind): Record<string, Migration> {
  return {};
}
