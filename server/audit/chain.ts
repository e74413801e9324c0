import { timingSafeEqual } from 'node:crypto';
import { sha256 } from '../secrets.js';
import { hmacHex, type AuditKey } from './key.js';

/** The first row's previous hash. */
export const GENESIS = '0'.repeat(64);

/**
 * How a row's hash was made. Rows written before migration 0016 are `sha256` (anyone can recompute
 * them); every later row is `hmac` under the audit key. The verifier accepts `sha256` only where
 * such rows can have been written (before the first checkpoint and before any keyed row), so
 * marking a new row `sha256` to recompute it without the key is itself detected.
 */
export type ChainKind = 'sha256' | 'hmac';

export interface ChainedFields {
  at: string;
  event: string;
  actor: string;
  user_id: string | null;
  details: string;
}

function canonical(prev: string, row: ChainedFields): string {
  return [prev, row.at, row.event, row.actor, row.user_id ?? '', row.details].join('\n');
}

export function rowHash(kind: ChainKind, key: AuditKey, prev: string, row: ChainedFields): string {
  return kind === 'hmac' ? hmacHex(key.chain, `firstkey-audit-v2\n${canonical(prev, row)}`) : sha256(canonical(prev, row));
}

export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
