import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashSecret, verifyNothing, verifySecret } from '../../server/recovery/codes.js';

/** What an attacker tries against the hash that protects recovery and help-desk codes at rest: weakening it, or bypassing it. */

describe('the KDF that protects recovery and help-desk codes at rest', () => {
  it('is scrypt with pinned parameters: N = 8192, r = 8, p = 1, a 16-byte salt, a 32-byte key', async () => {
    const stored = await hashSecret('ABCDEFGHJKMNP');
    const [scheme, n, r, p, salt, key] = stored.split('$');
    expect({ scheme, n, r, p }).toEqual({ scheme: 'scrypt', n: '8192', r: '8', p: '1' });
    expect(Buffer.from(salt!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(key!, 'base64url')).toHaveLength(32);
    // The stored key is exactly scrypt(secret, salt) under those parameters: nothing weaker hides behind the label.
    const expected = scryptSync('ABCDEFGHJKMNP', Buffer.from(salt!, 'base64url'), 32, { N: 8192, r: 8, p: 1 });
    expect(key).toBe(expected.toString('base64url'));
    expect(stored.split('$')).toHaveLength(6);
  });

  it('salts every hash: the same secret never hashes the same twice', async () => {
    const [a, b] = await Promise.all([hashSecret('ABCDEFGHJKMNP'), hashSecret('ABCDEFGHJKMNP')]);
    expect(a).not.toBe(b);
    expect(await verifySecret('ABCDEFGHJKMNP', a)).toBe(true);
    expect(await verifySecret('ABCDEFGHJKMNP', b)).toBe(true);
  });

  it('verifies only the right secret', async () => {
    const stored = await hashSecret('ABCDEFGHJKMNP');
    expect(await verifySecret('ABCDEFGHJKMNP', stored)).toBe(true);
    expect(await verifySecret('ABCDEFGHJKMNQ', stored)).toBe(false);
    expect(await verifySecret('', stored)).toBe(false);
  });

  it('reads the parameters from the stored hash, so raising them later keeps old codes working', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const key = scryptSync('OLDSECRET', salt, 32, { N: 1024, r: 8, p: 2 });
    const stored = `scrypt$1024$8$2$${salt.toString('base64url')}$${key.toString('base64url')}`;
    expect(await verifySecret('OLDSECRET', stored)).toBe(true);
    expect(await verifySecret('OLDSECRET', stored.replace('$2$', '$1$'))).toBe(false);
  });

  it('a tampered or truncated stored hash verifies nothing, and never throws', async () => {
    const stored = await hashSecret('ABCDEFGHJKMNP');
    const parts = stored.split('$');
    const variants = [
      stored.replace(/^scrypt/, 'plain'),
      parts.slice(0, 5).join('$'),
      ['scrypt', '', ...parts.slice(2)].join('$'),
      ['scrypt', parts[1], '', ...parts.slice(3)].join('$'),
      ['scrypt', parts[1], parts[2], '', ...parts.slice(4)].join('$'),
      ['scrypt', ...parts.slice(1, 4), '', parts[5]].join('$'),
      // A key cut short must be refused, not compared against a longer one (timingSafeEqual would throw).
      [...parts.slice(0, 5), Buffer.from(parts[5]!, 'base64url').subarray(0, 16).toString('base64url')].join('$'),
      '',
    ];
    for (const variant of variants) expect(await verifySecret('ABCDEFGHJKMNP', variant), variant).toBe(false);
  });

  it('a check for a user or handle that has no code says no, after the same work as a real check', async () => {
    expect(await verifyNothing('ABCDEFGHJKMNP')).toBe(false);
    expect(await verifyNothing('')).toBe(false);
  });
});
