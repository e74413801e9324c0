// The preload type-checks against electron/preload/electron-sandbox.d.ts, not Electron's typings
// (which would bring Node's into a preload that has no Node). This keeps that slice honest:
// Electron's real contextBridge and ipcRenderer must fit it, or `npm run typecheck` fails.
import type { contextBridge, ipcRenderer } from 'electron';
import { describe, expectTypeOf, it } from 'vitest';
import type * as Sandbox from '../../electron/preload/electron-sandbox.js';

describe('the preload’s slice of electron', () => {
  it('is satisfied by the real contextBridge and ipcRenderer', () => {
    expectTypeOf<typeof contextBridge>().toExtend<typeof Sandbox.contextBridge>();
    expectTypeOf<typeof ipcRenderer>().toExtend<typeof Sandbox.ipcRenderer>();
  });
});
