import { sql } from 'kysely';
import type { Db } from '../../server/db/open.js';
import type { UserRow } from '../../server/db/schema.js';
import type { DecidingAgent } from '../../server/recovery/helpdesk.js';
import type { Services } from '../../server/services.js';

/**
 * Agent accounts that decide help-desk requests, for tests at every level: nothing here imports
 * vitest, so Playwright specs use it as well as the server and main tests.
 */

/** A decision that confirmed every identity check of the default policy. */
export const CHECKED = { reason: 'called back on the directory number and saw them on video', checklist: ['callback', 'identity'] };

async function existingAccount(db: Db, name: string): Promise<DecidingAgent | undefined> {
  return db
    .selectFrom('users')
    .select(['id', 'username'])
    .where(sql<string>`lower(username)`, '=', name.toLowerCase())
    .executeTakeFirst();
}

/** The account deciding in service-level tests: `name`'s account (any spelling), created when missing. */
export async function benchAgent(b: { db: Db; addUser(username: string): Promise<UserRow> }, name: string): Promise<DecidingAgent> {
  const found = await existingAccount(b.db, name);
  if (found) return found;
  const user = await b.addUser(name);
  return { id: user.id, username: user.username };
}

/** The same for tests holding a whole server's services. */
export async function serverAgent(server: { db: Db; services: Services }, name: string): Promise<DecidingAgent> {
  const found = await existingAccount(server.db, name);
  if (found) return found;
  const body = { username: name, displayName: name, email: `${name}@corp.example`, role: 'helpdesk', employmentType: 'employee' as const };
  await server.services.accounts.createUser(body, 'test-admin');
  await server.services.operatorRoles.grant(name, 'helpdesk', 'test-admin');
  return (await existingAccount(server.db, name)) ?? { id: '', username: name };
}
