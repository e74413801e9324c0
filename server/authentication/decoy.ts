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
  return { id: decoyId(await decoySecret(db), username, 0), transports: ['usb'] };
}

/**
 * `count` decoy credential ids for the name, the first the one `decoyCredential` offers: the console
 * pads its answers with them, so how many keys an operator has does not show below that count.
 */
export async function decoyCredentialIds(db: Executor, username: string, count: number): Promise<string[]> {
  const secret = await decoySecret(db);
  return Array.from({ length: count }, (_, i) => decoyId(secret, username, i));
}

function decoyId(secret: string, username: string, index: number): string {
  // Index 0 keeps the id every earlier answer for this name carried.
  return createHmac('sha256', secret)
    .update(index === 0 ? username : `${username}\u0000${String(index)}`)
    .digest('base64url');
}

async function decoySecret(db: Executor): Promise<string> {
  await db
    .insertInto('server_secrets')
    .values({ name: DECOY_SECRET, value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('server_secrets').select('value').where('name', '=', DECOY_SECRET).executeTakeFirstOrThrow();
  return row.value;
}
