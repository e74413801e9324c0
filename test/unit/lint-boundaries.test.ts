// The architecture's import boundaries (README "Where code runs") are ESLint rules in
// eslint.config.js. This proves each one fires where it should and stays quiet where the
// architecture allows the import, by linting small snippets at virtual paths with the real config.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BOUNDARY_RULES = new Set(['no-restricted-imports', '@typescript-eslint/no-restricted-imports', 'no-restricted-syntax']);

let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({
    cwd: REPO_ROOT,
    // The snippets are not on disk, so no tsconfig can give them types: lint them without type
    // information. The boundary rules need none.
    overrideConfig: [{ files: ['**/*.ts', '**/*.tsx'], ...tseslint.configs.disableTypeChecked }],
  });
});

/** The boundary violations ESLint reports for `code` placed at `path`. */
async function violations(path: string, code: string): Promise<string[]> {
  const filePath = join(REPO_ROOT, path);
  // An ignored path would be reported as clean without running a rule at all.
  expect(await eslint.isPathIgnored(filePath)).toBe(false);
  const [result] = await eslint.lintText(code, { filePath });
  if (!result) throw new Error(`ESLint returned no result for ${path}`);
  const fatal = result.messages.filter((message) => message.fatal);
  expect(fatal).toEqual([]);
  return result.messages.filter((message) => BOUNDARY_RULES.has(message.ruleId ?? '')).map((message) => message.message);
}

describe('1. the renderer takes only types from api/', () => {
  it('refuses a value import from api/', async () => {
    expect(
      await violations('renderer/src/x.ts', "import { IpcRequest } from '../../api/ipc';\nexport const schema = IpcRequest;\n"),
    ).toEqual([expect.stringContaining('imports only types from api/')]);
  });

  it('refuses a value import from api/ in a nested folder', async () => {
    expect(
      await violations(
        'renderer/src/store/x.ts',
        "import { IPC_CHANNELS } from '../../../api/ipc-channels';\nexport const c = IPC_CHANNELS;\n",
      ),
    ).toHaveLength(1);
  });

  it('accepts a type import from api/', async () => {
    expect(
      await violations('renderer/src/x.ts', "import type { FirstKeyBridge } from '../../api/ipc';\nexport type Bridge = FirstKeyBridge;\n"),
    ).toEqual([]);
  });

  it('accepts its own tree and npm packages', async () => {
    expect(
      await violations(
        'renderer/src/x.tsx',
        "import { useState } from 'react';\nimport { useApp } from './store';\nexport const both = [useState, useApp];\n",
      ),
    ).toEqual([]);
  });

  it('refuses electron/, server/ and Node built-ins', async () => {
    expect(
      await violations('renderer/src/x.ts', "import { AppConfig } from '../../electron/main/config';\nexport const a = AppConfig;\n"),
    ).toHaveLength(1);
    expect(
      await violations('renderer/src/x.ts', "import type { Clock } from '../../server/clock';\nexport type C = Clock;\n"),
    ).toHaveLength(1);
    expect(await violations('renderer/src/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n")).toHaveLength(
      1,
    );
  });
});

describe('2. the preload imports electron and the channel list, nothing else', () => {
  it('refuses a node: import', async () => {
    expect(await violations('electron/preload/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n")).toEqual([
      expect.stringContaining('The sandboxed preload imports only `electron` and api/ipc-channels.ts'),
    ]);
  });

  it('refuses a bare built-in, the rest of the contract, and its own siblings', async () => {
    expect(await violations('electron/preload/x.ts', "import { join } from 'path';\nexport const j = join;\n")).toHaveLength(1);
    expect(
      await violations(
        'electron/preload/x.ts',
        "import type { FirstKeyBridge } from '../../api/ipc.js';\nexport type B = FirstKeyBridge;\n",
      ),
    ).toHaveLength(1);
    expect(await violations('electron/preload/x.ts', "import { z } from 'zod';\nexport const s = z;\n")).toHaveLength(1);
    expect(await violations('electron/preload/x.ts', "import { helper } from './helper.js';\nexport const h = helper;\n")).toHaveLength(1);
  });

  it('refuses loading a module at run time', async () => {
    expect(await violations('electron/preload/x.ts', "export const later = import('node:fs');\n")).toHaveLength(1);
  });

  it('accepts electron and api/ipc-channels', async () => {
    expect(
      await violations(
        'electron/preload/index.ts',
        "import { contextBridge } from 'electron';\nimport { IPC_CHANNELS } from '../../api/ipc-channels.js';\ncontextBridge.exposeInMainWorld('x', IPC_CHANNELS);\n",
      ),
    ).toEqual([]);
  });
});

describe('3. only the listed main-process files import electron', () => {
  const ELECTRON_IMPORT = "import { app } from 'electron';\nexport const a = app;\n";

  it('refuses electron in a plain-Node main file', async () => {
    expect(await violations('electron/main/x.ts', ELECTRON_IMPORT)).toEqual([expect.stringContaining('the rest of main is plain Node')]);
    expect(await violations('electron/main/ipc/dispatcher.ts', ELECTRON_IMPORT)).toHaveLength(1);
    expect(
      await violations('electron/main/device/x.ts', "import { safeStorage } from 'electron/main';\nexport const s = safeStorage;\n"),
    ).toHaveLength(1);
  });

  it.each(['electron/main/index.ts', 'electron/main/window.ts', 'electron/main/security.ts', 'electron/main/ipc/register.ts'])(
    'accepts electron in %s',
    async (path) => {
      expect(await violations(path, ELECTRON_IMPORT)).toEqual([]);
    },
  );

  it('refuses renderer/ and server/ anywhere in electron/', async () => {
    expect(
      await violations(
        'electron/main/x.ts',
        "import { EnrolmentService } from '../../server/enrolment/service.js';\nexport const s = EnrolmentService;\n",
      ),
    ).toHaveLength(1);
    expect(
      await violations(
        'electron/main/index.ts',
        "import type { AppState } from '../../renderer/src/store/types.js';\nexport type S = AppState;\n",
      ),
    ).toHaveLength(1);
  });
});

describe('4. the server and the contract import nothing of the app', () => {
  it('refuses a server file importing electron/', async () => {
    expect(
      await violations('server/x.ts', "import { AppConfig } from '../electron/main/config.js';\nexport const a = AppConfig;\n"),
    ).toEqual([expect.stringContaining('server/ depends on api/ only')]);
    expect(
      await violations(
        'server/http/x.ts',
        "import type { AppState } from '../../renderer/src/store/types.js';\nexport type S = AppState;\n",
      ),
    ).toHaveLength(1);
  });

  it('accepts a server file importing api/', async () => {
    expect(await violations('server/http/x.ts', "import { ApiError } from '../../api/errors.js';\nexport const e = ApiError;\n")).toEqual(
      [],
    );
  });

  it('refuses api/ importing server/, electron/ or renderer/', async () => {
    expect(await violations('api/x.ts', "import { systemClock } from '../server/clock.js';\nexport const c = systemClock;\n")).toHaveLength(
      1,
    );
    expect(
      await violations('api/x.ts', "import { AppConfig } from '../electron/main/config.js';\nexport const a = AppConfig;\n"),
    ).toHaveLength(1);
    expect(
      await violations('api/x.ts', "import type { AppState } from '../renderer/src/store/types.js';\nexport type S = AppState;\n"),
    ).toHaveLength(1);
  });

  it('accepts api/ importing itself and zod', async () => {
    expect(
      await violations(
        'api/x.ts',
        "import { z } from 'zod';\nimport { ApiError } from './errors.js';\nexport const both = [z, ApiError];\n",
      ),
    ).toEqual([]);
  });
});
