import { expect } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../../api/defaults.js';
import { createKioskHost } from '../../../electron/main/kiosk/host.js';
import { createOperatorAccess, createOperatorPinStore } from '../../../electron/main/kiosk/operator-pin.js';
import { openPrintWindow } from '../../../electron/main/window.js';
import { MemorySecretStore } from './device.js';
import { electron } from './kiosk-electron.js';

/** main's kiosk host over the recorded 'electron' (kiosk-electron.ts, mocked by the test file) and a recorded renderer. */
export function host(renderer = fakeRenderer()) {
  const quits: string[] = [];
  const access = createOperatorAccess(createOperatorPinStore({ store: new MemorySecretStore(), account: 'station' }));
  const kiosk = createKioskHost({
    access,
    print: { openPrintWindow, locale: 'en-GB' },
    renderer: renderer.target,
    startUrl: `${DEMO_ENROLMENT_ORIGIN}/`,
    quit: () => quits.push('quit'),
  });
  return { kiosk, quits, renderer };
}

/** The HTML the first print window loaded. */
export function printedPage(): string {
  const url = electron.printWindows[0]?.loaded[0] ?? '';
  expect(url.startsWith('data:text/html;charset=utf-8,')).toBe(true);
  return decodeURIComponent(url.slice('data:text/html;charset=utf-8,'.length));
}

/** The kiosk window's renderer, recording each wipe step; `fail` makes clearData, or its fallback too, throw. */
export function fakeRenderer(fail: { clearData?: boolean; fallback?: boolean } = {}) {
  const steps: string[] = [];
  const target = {
    loadURL: async (url: string) => {
      steps.push(`load ${url}`);
    },
    session: {
      clearData: async () => {
        steps.push('clearData');
        if (fail.clearData) throw new Error('clearData failed');
      },
      clearStorageData: async () => {
        steps.push('clearStorageData');
        if (fail.fallback) throw new Error('clearStorageData failed');
      },
      clearCache: async () => {
        steps.push('clearCache');
      },
    },
    clearClipboard: () => steps.push('clearClipboard'),
    restart: () => steps.push('restart'),
  };
  return { steps, target };
}
