import type { Migration } from 'kysely';
import type { DatabaseKind } from '../handle.js';

/** Migrations for operator accounts' roles, API tokens and console sessions. Never edit a released one: add the next. */
export function operatorMigrations(_kind: DatabaseKind): Record<string, Migration> {
  return {};
}
