import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerConfig } from '../config.js';

/**
 * The audit key: it keys every new row's hash and signs the checkpoints, so rewriting the trail
 * needs it as well as the database. Every instance of one deployment must read the same key
 * (FIRSTKEY_AUDIT_KEY_FILE on a shared secret store), or each would judge the others' rows edited.
 */
export interface AuditKey {
  /** Keys the row hashes (HKDF "firstkey audit chain"). */
  readonly chain: Buffer;
  /** Signs the checkpoints (HKDF "firstkey audit checkpoint"): a leaked row hash never forges a checkpoint. */
  readonly checkpoint: Buffer;
}

const MIN_BYTES = 32;
const DEMO_FILE = 'audit.key';

function derive(secret: Buffer): AuditKey {
  const part = (info: string) => Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), info, 32));
  return { chain: part('firstkey audit chain'), checkpoint: part('firstkey audit checkpoint') };
}

/** A key file holds 32+ raw bytes or their base64 (what `openssl rand -base64 32` writes). */
function parseKeyFile(contents: Buffer, path: string): Buffer {
  const text = contents.toString('utf8').trim();
  const decoded = /^[A-Za-z0-9+/=_-]+$/.test(text) ? Buffer.from(text, 'base64') : contents;
  const secret = decoded.length >= MIN_BYTES ? decoded : contents;
  if (secret.length < MIN_BYTES) throw new Error(`the audit key in ${path} is shorter than ${MIN_BYTES} bytes`);
  return secret;
}

/** One key per process for in-memory databases (the tests): they vanish with the process, so must their key. */
let ephemeral: AuditKey | undefined;
const warned = new Set<string>();

/**
 * The configured key file, else a key made once in dataDir with mode 0600: fine for a demo, but
 * whoever can read the data directory can then rewrite the trail, so it is said at every start.
 */
export function loadAuditKey(
  config: Pick<ServerConfig, 'auditKeyFile' | 'dataDir'>,
  warn: (line: string) => void = (line) => {
    console.warn(line);
  },
): AuditKey {
  if (config.auditKeyFile) return derive(parseKeyFile(readFileSync(config.auditKeyFile), config.auditKeyFile));
  if (config.dataDir === ':memory:') return (ephemeral ??= derive(randomBytes(32)));
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const path = join(config.dataDir, DEMO_FILE);
  // Written aside and linked into place: instances starting together on one data directory never
  // read a half-written key, and the first one's key wins.
  const draft = `${path}.${String(process.pid)}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 });
  try {
    linkSync(draft, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(draft);
  }
  if (!warned.has(path)) {
    warned.add(path);
    warn(
      `audit: FIRSTKEY_AUDIT_KEY_FILE is unset, so the audit trail is keyed with ${path}, next to the database: a demo only (whoever reads the data directory can rewrite the trail)`,
    );
  }
  return derive(parseKeyFile(readFileSync(path), path));
}

/**
 * The key appends use. appendAuditIn is called with a transaction from dozens of places, so the
 * key is installed once per process (createServices) rather than threaded through every caller;
 * before that, the in-memory key, which only tests reach.
 */
let installed: AuditKey | undefined;

export function installAuditKey(key: AuditKey): void {
  installed = key;
}

export function currentAuditKey(): AuditKey {
  return installed ?? (ephemeral ??= derive(randomBytes(32)));
}

export function hmacHex(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}
