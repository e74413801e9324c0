// Main process only; plain Node.
//
// The help-desk request this computer filed, kept in the app's user data so that
// a restart (a crash, an update, the person closing the window while they phone
// the help desk) does not lose it: the agent's code works only together with the
// request's id, and only from the device key that filed it. So the file names
// that key by its public thumbprint, and a file written under another key (the
// keychain lost the old one and a new one was made) is never picked up.
// Nothing in it is secret: the id and reference open nothing without the
// device key and the agent's code.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { RequestReference } from '../../../api/recovery.js';

export const PENDING_REQUEST_FILE = 'helpdesk-request.json';

const PendingRequestFile = z.object({
  v: z.literal(1),
  id: z.string().min(1).max(64),
  reference: RequestReference,
  /** RFC 7638 thumbprint of the device key that filed it. */
  thumbprint: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  filedAt: z.iso.datetime(),
});
type PendingRequestFile = z.infer<typeof PendingRequestFile>;

export interface PendingRequest {
  id: string;
  reference: string;
}

export interface PendingRequestStore {
  /**
   * The request the current device key filed, or null: none kept, the file is damaged, or it was
   * filed under another key (then it is removed: the server would refuse that request to this key).
   */
  load(): Promise<PendingRequest | null>;
  /** Keeps the request for the current device key, replacing any other; written whole and renamed. */
  save(request: PendingRequest): Promise<void>;
  /** The request was used, denied or lapsed: nothing is kept. */
  clear(): Promise<void>;
}

export interface PendingRequestOptions {
  /** app.getPath('userData'). */
  dir: string;
  /** The current device key's thumbprint; throws when the keychain cannot give the key. */
  thumbprint: () => Promise<string>;
  now?: () => Date;
}

export function pendingRequestStore({ dir, thumbprint, now = () => new Date() }: PendingRequestOptions): PendingRequestStore {
  const path = join(dir, PENDING_REQUEST_FILE);
  const clear = () => rm(path, { force: true });

  const read = async (): Promise<PendingRequestFile | null> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return null;
    }
    const file = PendingRequestFile.safeParse(parsed);
    return file.success ? file.data : null;
  };

  return {
    async load() {
      const file = await read();
      if (!file) {
        // A damaged file can never name a request the server would accept: start clean.
        await clear();
        return null;
      }
      let current: string;
      try {
        current = await thumbprint();
      } catch {
        // Without the key nothing can be checked, and nothing could be redeemed either: keep the file for when the keychain answers.
        return null;
      }
      if (file.thumbprint !== current) {
        await clear();
        return null;
      }
      return { id: file.id, reference: file.reference };
    },

    async save(request) {
      const record: PendingRequestFile = { v: 1, ...request, thumbprint: await thumbprint(), filedAt: now().toISOString() };
      await mkdir(dir, { recursive: true });
      const temporary = `${path}.${randomUUID()}.tmp`;
      try {
        await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
        await rename(temporary, path);
      } finally {
        await rm(temporary, { force: true });
      }
    },

    clear,
  };
}
