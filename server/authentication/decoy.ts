import { createHmac, randomBytes } from 'node:crypto';
import type { Executor } from '../context.js';
import type { AllowedCredential } from '../webauthn/authentication.js';

/** The server secret behind the decoys of the app's sign-in and the console's: one name, so both answer alike. */
const DECOY_SECRET = 'decoy-credentials';

/**
 * The credential a username with nothing to sign in with is offered, so the options do not say whether it
 * exists: an HMAC of the username under a server secret made on first use, the same for that name every time
 * and unguessable without the secret.
 */
export async function decoyCredential(db: Executor, username: string): Promise<AllowedCredential> {
  await db
    .insertInto('server_secrets')
    .values({ name: DECOY_SECRET, value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('server_secrets').select('value').where('name', '=', DECOY_SECRET).executeTakeFirstOrThrow();
  return { id: createHmac('sha256', row.value).update(username).digest('base64url'), transports: ['usb'] };
}
