import { z } from 'zod';

/** RFC 9449 as FirstKey uses it: every request carries a `DPoP` proof signed by the device key. */
export const DPOP_HEADER = 'dpop';
export const DPOP_TYP = 'dpop+jwt';
export const DPOP_ALGORITHMS = ['ES256'] as const;

export const DpopClaims = z.object({
  jti: z.string().min(16).max(128),
  htm: z.string().min(1),
  htu: z.url(),
  iat: z.number().int(),
  /** base64url(SHA-256(access token)), required once a session token exists (RFC 9449 section 4.2). */
  ath: z.string().optional(),
});
export type DpopClaims = z.infer<typeof DpopClaims>;

/** The `htu` comparison ignores query and fragment (RFC 9449 section 4.3, check 9). */
export function normaliseHtu(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`.toLowerCase();
}
