import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromEnv, SERVER_ENV_NAMES } from '../../server/config.js';

/**
 * deploy/server.env.example is the operator's reference for the server's environment. These tests
 * read the server's source rather than a list kept by hand, so a variable added to (or dropped
 * from) the server without the reference changing fails here.
 */

const EXAMPLE = 'deploy/server.env.example';
const ENV_READ = /\benv(?:\.|\[['"])(FIRSTKEY_[A-Z0-9_]+)/g;

interface Entry {
  name: string;
  value: string;
  active: boolean;
  comment: string;
  /** The text after "Default: " in the comment. */
  default: string;
}

function exampleEntries(): Entry[] {
  const lines = readFileSync(EXAMPLE, 'utf8').split('\n');
  const entries: Entry[] = [];
  lines.forEach((line, i) => {
    const match = /^(#?)(FIRSTKEY_[A-Z0-9_]+)=(.*)$/.exec(line);
    if (!match) return;
    const comment = lines[i - 1] ?? '';
    entries.push({
      name: match[2]!,
      value: match[3]!,
      active: match[1] === '',
      comment,
      default: /Default: (.+)$/.exec(comment)?.[1] ?? '',
    });
  });
  return entries;
}

/** What configFromEnv reads, by config field: its own table, so nothing here is kept by hand. */
const fieldsByVariable = new Map(Object.entries(SERVER_ENV_NAMES).map(([field, name]) => [name as string, field]));

function readsIn(source: string): Set<string> {
  return new Set([...source.matchAll(ENV_READ)].map((m) => m[1]!));
}

function serverSources(dir = 'server'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return serverSources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function serverReads(): Set<string> {
  return new Set([...fieldsByVariable.keys(), ...serverSources().flatMap((file) => [...readsIn(readFileSync(file, 'utf8'))])]);
}

describe('deploy/server.env.example', () => {
  const entries = exampleEntries();
  const listed = new Set(entries.map((e) => e.name));

  it('lists every variable configFromEnv reads', () => {
    const read = new Set(fieldsByVariable.keys());
    expect(read.size).toBeGreaterThan(20);
    expect([...read].filter((name) => !listed.has(name))).toEqual([]);
  });

  it('lists every FIRSTKEY_ variable the server reads anywhere, such as FIRSTKEY_LOG and FIRSTKEY_DATABASE_URL, and nothing else', () => {
    const read = serverReads();
    // Proof that the scan sees reads outside configFromEnv (server/main.ts, the database and admin code).
    expect(read).toContain('FIRSTKEY_LOG');
    expect(read).toContain('FIRSTKEY_DATABASE_URL');
    expect([...read].filter((name) => !listed.has(name)).sort()).toEqual([]);
    expect([...listed].filter((name) => !read.has(name)).sort()).toEqual([]);
  });

  it('lists each variable once, under a one-line comment that gives its default', () => {
    expect(entries.length).toBe(listed.size);
    for (const entry of entries) {
      expect(entry.comment, entry.name).toMatch(/^# \S/);
      expect(entry.default, `${entry.name}: its comment should end with "Default: ..."`).not.toBe('');
    }
  });

  it('states the defaults configFromEnv really has', () => {
    const fields = fieldsByVariable;
    const defaults = configFromEnv({}) as Record<string, unknown>;
    for (const entry of entries) {
      const field = fields.get(entry.name);
      if (!field) continue;
      if (entry.default.startsWith('unset')) {
        expect([undefined, []], `${entry.name} says it is unset by default`).toContainEqual(defaults[field]);
      } else {
        // Setting a variable to its stated default must change nothing.
        expect(configFromEnv({ [entry.name]: entry.default }), `${entry.name}=${entry.default}`).toEqual(defaults);
      }
    }
  });

  it('holds values the server accepts, the active lines alone and with every example uncommented', () => {
    const active = Object.fromEntries(entries.filter((e) => e.active).map((e) => [e.name, e.value]));
    expect(() => configFromEnv(active)).not.toThrow();
    // An empty value (the admin token) is a blank for the operator to fill, not a value.
    const everything = Object.fromEntries(entries.filter((e) => e.value !== '').map((e) => [e.name, e.value]));
    expect(() => configFromEnv(everything)).not.toThrow();
  });

  it('leaves the admin token blank, so no deployment runs with a token everyone can read here', () => {
    const token = entries.find((e) => e.name === 'FIRSTKEY_ADMIN_TOKEN');
    expect(token).toMatchObject({ active: false, value: '' });
    expect(() => configFromEnv({ FIRSTKEY_ADMIN_TOKEN: '' })).toThrow(/FIRSTKEY_ADMIN_TOKEN|adminToken/);
  });
});
