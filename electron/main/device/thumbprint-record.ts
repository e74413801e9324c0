// Main process only; plain Node.
//
// The public thumbprint of each installation's device key, kept in the app's
// user data directory. It is public (the server sees it in every DPoP proof),
// so a plain file is enough; what it buys is memory: when the keychain entry
// disappears (a keychain reset, a cleanup tool, a profile migration) the app
// knows a key existed and can say so, instead of quietly making a new one and
// orphaning the device record the server holds for the old one.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const THUMBPRINT_RECORD_FILE = 'device-key.json';

interface RecordFile {
  v: 1;
  /** installation id → RFC 7638 thumbprint of its device key */
  keys: Record<string, string>;
}

const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

function parse(text: string): RecordFile | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || !('v' in parsed) || parsed.v !== 1 || !('keys' in parsed)) return null;
  const keys = parsed.keys;
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) return null;
  const valid: Record<string, string> = {};
  for (const [id, thumbprint] of Object.entries(keys)) {
    if (typeof thumbprint === 'string' && THUMBPRINT.test(thumbprint)) valid[id] = thumbprint;
  }
  return { v: 1, keys: valid };
}

async function readRecordFile(dir: string): Promise<RecordFile> {
  let text: string;
  try {
    text = await readFile(join(dir, THUMBPRINT_RECORD_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { v: 1, keys: {} };
    throw error;
  }
  // An unreadable record is treated as none: it only ever adds a warning, and
  // refusing to start over a damaged hint file would be worse than the hint.
  return parse(text) ?? { v: 1, keys: {} };
}

/** The thumbprint recorded for this installation's device key, or null when none was recorded. */
export async function readRecordedThumbprint(dir: string, installationId: string): Promise<string | null> {
  const file = await readRecordFile(dir);
  return Object.hasOwn(file.keys, installationId) ? (file.keys[installationId] ?? null) : null;
}

/** Records the thumbprint of this installation's device key; written whole and renamed, so a crash never leaves half a file. */
export async function recordThumbprint(dir: string, installationId: string, thumbprint: string): Promise<void> {
  if (!THUMBPRINT.test(thumbprint)) throw new TypeError('not an RFC 7638 SHA-256 thumbprint');
  await mkdir(dir, { recursive: true });
  const file = await readRecordFile(dir);
  file.keys[installationId] = thumbprint;
  const target = join(dir, THUMBPRINT_RECORD_FILE);
  const temporary = `${target}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, target);
  } finally {
    await rm(temporary, { force: true });
  }
}
