import type { Migration } from 'kysely';
import type { DatabaseKind } from '../handle.js';

/** Migrations for friction metrics: the app's step timings. Never edit a released one: add the next. */
export function frictionMigrations(_kind: DatabaseKind): Record<string, Migration> {
  return {};
}
