import type { Page } from '@playwright/test';
import type { SecretStore } from '../../electron/main/device/secret-store.js';
import { createKioskHost, type KioskHost } from '../../electron/main/kiosk/host.js';
import { createOperatorAccess, createOperatorPinStore } from '../../electron/main/kiosk/operator-pin.js';
import type { VirtualKey } from './virtual-key.js';

/** What a kiosk station's host did, in place of Electron's printer, window and quit. */
export interface KioskRecord {
  /** Each set of recovery codes sent to the station's printer. */
  prints: string[][];
  /** Each wipe, in order: the window's page blanked, its storage cleared, the clipboard cleared, the start screen loaded. */
  wipes: string[][];
  exits: number;
}

/** The parts of the test stack a station's host stands on in place of Electron's window. */
export interface StationParts {
  origin: string;
  /** The real OS keychain, where main keeps the operator PIN. */
  store: SecretStore;
  installationId: string;
  /** The page the station runs in now (it changes when the app restarts). */
  page: () => Page;
  key: VirtualKey;
  /** Electron's clipboard.clear was called. */
  clipboardCleared: () => void;
}

export function newKioskRecord(): KioskRecord {
  return { prints: [], wipes: [], exits: 0 };
}

/**
 * main's kiosk host (index.ts builds the same from Electron's objects): the real operator PIN store and
 * the real wipe order, the Electron window stood in by the station's page, the printer and quit by `record`.
 */
export function stationHost(parts: StationParts, record: KioskRecord): KioskHost {
  let steps: string[] = [];
  // Electron's clipboard.clear empties the system clipboard at once; the page's (Chromium's) is emptied
  // once a page of the origin is back, the first moment this browser lets anything write to it.
  let clipboardToClear = false;
  const host = createKioskHost({
    access: createOperatorAccess(createOperatorPinStore({ store: parts.store, account: parts.installationId })),
    print: {
      openPrintWindow: () => {
        throw new Error('printing goes to the record in these tests');
      },
      locale: 'en',
    },
    renderer: {
      loadURL: async (url) => {
        steps.push(`load ${url}`);
        await parts.page().goto(url);
      },
      session: {
        clearData: async () => {
          steps.push('clearData');
          await clearOriginData(parts.page(), parts.origin);
        },
        clearStorageData: () => Promise.resolve(),
        clearCache: () => Promise.resolve(),
      },
      clearClipboard: () => {
        steps.push('clearClipboard');
        parts.clipboardCleared();
        clipboardToClear = true;
      },
      restart: () => {
        steps.push('restart');
      },
    },
    startUrl: `${parts.origin}/`,
    quit: () => {
      record.exits += 1;
    },
  });
  return {
    ...host,
    printRecoveryCodes: (codes) => {
      record.prints.push([...codes]);
      return Promise.resolve({ printed: true });
    },
    wipe: () => {
      steps = [];
      record.wipes.push(steps);
      return parts.key.keptAcross(async () => {
        await host.wipe();
        if (!clipboardToClear) return;
        clipboardToClear = false;
        await parts
          .page()
          .evaluate(() => navigator.clipboard.writeText(''))
          .catch(() => undefined);
      });
    },
  };
}

/** What Electron's session.clearData does for the station's origin: cookies and every kind of storage. */
async function clearOriginData(page: Page, origin: string): Promise<void> {
  await page.context().clearCookies();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'all' });
  await cdp.detach();
}
