import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/server-process.js';

/**
 * deploy/Containerfile, as far as it can be checked without a container engine: its instructions
 * read statically, and its runtime stage rebuilt as a directory from this checkout and run. What
 * only a real `docker build` shows (the base images, npm ci inside them) is not covered here.
 */

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Dockerfile syntax as far as this file uses it: comments, `\` continuations, ARG defaults in FROM. */
function parseContainerfile(text: string): Stage[] {
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const start = i;
    let logical = lines[i]!;
    if (/^\s*(#|$)/.test(logical)) continue;
    while (logical.endsWith('\\')) {
      i += 1;
      logical = `${logical.slice(0, -1)} ${lines[i]!.trim()}`;
    }
    const [, keyword = '', rest = ''] = /^\s*(\w+)\s+(.*)$/.exec(logical) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: rest.trim(), line: start + 1 };
    if (instruction.keyword === 'ARG' && stages.length === 0) {
      const [name = '', value = ''] = instruction.args.split('=');
      args.set(name, value);
    } else if (instruction.keyword === 'FROM') {
      const [image = '', , name] = instruction.args.replace(/\$\{(\w+)\}/g, (_, n: string) => args.get(n) ?? '').split(/\s+/);
      stages.push({ from: image, name, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

function all(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

function one(stage: Stage, keyword: string): Instruction {
  const found = all(stage, keyword);
  expect(found, `exactly one ${keyword}`).toHaveLength(1);
  return found[0]!;
}

/** ENV in either form (`K=V K2=V2` or `K V`), merged over the stage. */
function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of all(stage, 'ENV')) {
    for (const pair of args.split(/\s+/)) {
      const [key = '', value = ''] = pair.split('=');
      env[key] = value;
    }
  }
  return env;
}

/** COPY's flags, sources and destination (the last word). */
function copyParts(args: string): { from: string | undefined; sources: string[]; destination: string } {
  const words = args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  return {
    from: flags.find((f) => f.startsWith('--from='))?.slice('--from='.length),
    sources: paths.slice(0, -1),
    destination: paths.at(-1) ?? '',
  };
}

/** The ignore file's patterns, as far as it uses them: plain paths and `**` + `/*.ext` or `/name`. */
function ignoredBy(patterns: string[], path: string): string | undefined {
  return patterns.find((pattern) => {
    if (pattern.startsWith('**/*')) return path.endsWith(pattern.slice('**/*'.length));
    if (pattern.startsWith('**/')) return posix.basename(path) === pattern.slice('**/'.length);
    return path === pattern || path.startsWith(`${pattern}/`);
  });
}

const text = readFileSync('deploy/Containerfile', 'utf8');
const stages = parseContainerfile(text);
const build = stages.find((s) => s.name === 'build')!;
const runtime = stages.at(-1)!;

describe('deploy/Containerfile, read', () => {
  it('builds with npm ci and npm run build on Node 24, and runs on the slim image of the same Debian release', () => {
    expect(stages).toHaveLength(2);
    expect(build.from).toMatch(/^node:24-(\w+)$/);
    expect(runtime.from).toMatch(/^node:24-(\w+)-slim$/);
    // The runtime stage loads the SQLite addon compiled in the build stage: same C library needed.
    expect(runtime.from.replace(/-slim$/, '')).toBe(build.from);
    const runs = all(build, 'RUN').map((r) => r.args);
    expect(runs.some((r) => /^npm ci\b/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm run build\b/.test(r))).toBe(true);
  });

  it('copies into the build stage only paths that exist here and that the ignore file lets through', () => {
    const ignore = readFileSync('deploy/Containerfile.dockerignore', 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const sources = all(build, 'COPY').flatMap((c) => copyParts(c.args).sources);
    expect(sources).toContain('package-lock.json');
    for (const source of sources) {
      expect(existsSync(source), `${source} is copied but does not exist`).toBe(true);
      expect(ignoredBy(ignore, source), `${source} is copied but the ignore file drops it`).toBeUndefined();
    }
    // Nothing that holds data or local state is copied wholesale.
    expect(sources).not.toContain('.');
  });

  it('takes from the build stage only its bundle, the runtime packages and package.json', () => {
    const copies = all(runtime, 'COPY').map((c) => copyParts(c.args));
    expect(copies.every((c) => c.from === 'build')).toBe(true);
    expect(copies.map((c) => c.sources).flat()).toEqual(['/src/package.json', '/runtime/node_modules', '/src/dist/server']);
    // /runtime is what deploy/runtime-modules.mjs writes in the build stage.
    expect(all(build, 'RUN').some((r) => r.args.includes('node deploy/runtime-modules.mjs /runtime'))).toBe(true);
    expect(one(build, 'WORKDIR').args).toBe('/src');
  });

  it('runs as a numeric non-root user that owns the data volume, listens on all interfaces on 8787', () => {
    const user = one(runtime, 'USER').args;
    expect(user).toMatch(/^\d+:\d+$/);
    const [uid = ''] = user.split(':');
    expect(Number(uid)).toBeGreaterThan(0);
    const env = envOf(runtime);
    expect(env).toMatchObject({ FIRSTKEY_HOST: '0.0.0.0', FIRSTKEY_PORT: '8787', NODE_ENV: 'production' });
    expect(one(runtime, 'EXPOSE').args).toBe('8787');
    const volume = JSON.parse(one(runtime, 'VOLUME').args) as string[];
    expect(volume).toEqual([env.FIRSTKEY_DATA_DIR]);
    // Made and owned before the VOLUME line, so a fresh volume inherits the owner.
    const setup = all(runtime, 'RUN').find((r) => r.args.includes(`useradd --system --uid ${uid}`));
    expect(setup?.args).toContain(`install -d -o firstkey -g firstkey -m 0700 ${env.FIRSTKEY_DATA_DIR}`);
    expect(setup!.line).toBeLessThan(one(runtime, 'VOLUME').line);
    expect(JSON.parse(one(runtime, 'CMD').args)).toEqual(['node', 'dist/server/main.js']);
  });

  it('checks health on /healthz (liveness), leaving /readyz to load balancers', () => {
    const check = one(runtime, 'HEALTHCHECK').args;
    expect(check).toContain('/healthz');
    expect(check).not.toContain('/readyz');
  });
});

function healthcheckCommand(): string[] {
  const args = one(runtime, 'HEALTHCHECK').args;
  return JSON.parse(args.slice(args.indexOf('CMD') + 'CMD'.length).trim()) as string[];
}

/** Where Node would look for packages above `dir`: nothing may be there, or the test would find the repository's. */
function stray(dir: string): string | undefined {
  for (let d = dirname(dir); ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules'))) return join(d, 'node_modules');
    if (dirname(d) === d) return undefined;
  }
}

describe('deploy/runtime-modules.mjs', () => {
  it('copies better-sqlite3 and pg with what they need and nothing that only builds them', () => {
    const out = mkdtempSync(join(tmpdir(), 'firstkey-modules-'));
    try {
      expect(stray(out)).toBeUndefined();
      const copy = spawnSync(process.execPath, ['deploy/runtime-modules.mjs', out], { encoding: 'utf8' });
      expect(copy.status, copy.stderr).toBe(0);
      expect(existsSync(join(out, 'node_modules/prebuild-install'))).toBe(false);
      expect(existsSync(join(out, 'node_modules/better-sqlite3/deps'))).toBe(false);
      // Loaded from the copy alone: a fresh process in that directory, with nothing else to find.
      const load = spawnSync(
        process.execPath,
        [
          '-e',
          "const S = require('better-sqlite3'); const db = new S(':memory:'); console.log(db.prepare('select 6 * 7 as n').get().n); console.log(typeof require('pg').Pool)",
        ],
        { cwd: out, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
      );
      expect(load.stderr).toBe('');
      expect(load.stdout.trim().split('\n')).toEqual(['42', 'function']);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

// The runtime stage as a directory: what its COPY lines take, from this checkout's build output.
const built = existsSync('dist/server/main.js') && existsSync('dist/server/admin.js');

describe.skipIf(!built)('the runtime stage, rebuilt as a directory (needs `npm run build` first, as npm test does)', () => {
  let root: string;
  let app: string;
  let data: string;
  let port: number;
  let server: ChildProcess | undefined;
  let exited: Promise<number | null>;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'firstkey-image-'));
    app = join(root, 'opt/firstkey');
    data = join(root, 'var/lib/firstkey');
    mkdirSync(app, { recursive: true });
    mkdirSync(data, { recursive: true });
    expect(stray(app)).toBeUndefined();
    cpSync('package.json', join(app, 'package.json'));
    cpSync('dist/server', join(app, 'dist/server'), { recursive: true });
    const modules = spawnSync(process.execPath, ['deploy/runtime-modules.mjs', app], { encoding: 'utf8' });
    expect(modules.status, modules.stderr).toBe(0);

    port = await freePort();
    // The image's environment, except the address and data directory of this machine's test.
    env = {
      ...envOf(runtime),
      FIRSTKEY_HOST: '127.0.0.1',
      FIRSTKEY_PORT: String(port),
      FIRSTKEY_DATA_DIR: data,
      PATH: process.env.PATH ?? '',
    };
    const [command = '', ...args] = JSON.parse(one(runtime, 'CMD').args) as string[];
    const child = spawn(command === 'node' ? process.execPath : command, args, { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    server = child;
    exited = new Promise((resolve) => {
      child.on('exit', (code) => {
        resolve(code);
      });
    });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`the server did not start:\n${output}`));
      }, 15_000);
      const seen = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('FirstKey verification server on')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', seen);
      child.stderr.on('data', seen);
      void exited.then((code) => {
        reject(new Error(`the server exited (${String(code)}):\n${output}`));
      });
    });
  });

  afterAll(async () => {
    if (server?.exitCode === null) {
      server.kill('SIGKILL');
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  });

  function healthcheck() {
    const [command = '', ...args] = healthcheckCommand();
    return spawnSync(command === 'node' ? process.execPath : command, args, { cwd: app, env, encoding: 'utf8' });
  }

  it('starts from the bundle and the copied packages alone, and passes the image health check', async () => {
    expect(healthcheck().status).toBe(0);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('runs the admin CLI from the bundle, backup included', () => {
    const admin = join(app, 'dist/server/admin.js');
    const user = spawnSync(process.execPath, [admin, 'create-user', '--username', 'grace.h', '--name', 'Grace Hopper'], {
      cwd: app,
      env,
      encoding: 'utf8',
    });
    expect(user.status, user.stdout + user.stderr).toBe(0);
    const target = join(root, 'backup.sqlite');
    const backup = spawnSync(process.execPath, [admin, 'backup', '--to', target], { cwd: app, env, encoding: 'utf8' });
    expect(backup.status, backup.stdout + backup.stderr).toBe(0);
    expect(existsSync(target)).toBe(true);
  });

  it('stops cleanly on SIGTERM, the image STOPSIGNAL, after which the health check fails', async () => {
    expect(one(runtime, 'STOPSIGNAL').args).toBe('SIGTERM');
    server?.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(healthcheck().status).toBe(1);
  });
});
