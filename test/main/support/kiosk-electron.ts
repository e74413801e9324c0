import type { PrinterChoice } from '../../../electron/main/kiosk/print.js';

/**
 * The 'electron' module as the kiosk's window and print code meet it, replaced by a recorder (no Electron
 * binary here, DESIGN.md). A test file mocks 'electron' with this module, resets it before each test,
 * and reads what was asked of it from `electron`:
 *
 *   vi.mock('electron', () => import('./support/kiosk-electron.js'));
 *   beforeEach(resetElectron);
 *
 * Imports nothing that imports 'electron', so the mock can load it.
 */
export const electron = {
  windows: [] as Record<string, unknown>[],
  printWindows: [] as {
    options: Record<string, unknown>;
    loaded: string[];
    printed: unknown[];
    destroyed: boolean;
  }[],
  printers: [] as PrinterChoice[],
  printOutcome: { success: true, failureReason: '' },
  loadFails: false,
};

/** A station with one paper printer, whose windows load and print. */
export function resetElectron(): void {
  electron.windows.length = 0;
  electron.printWindows.length = 0;
  electron.printers = [{ name: 'Lobby_Laser', displayName: 'Lobby Laser', description: 'HP LaserJet', options: {} }];
  electron.printOutcome = { success: true, failureReason: '' };
  electron.loadFails = false;
}

export const app = { isPackaged: false, on() {} };

export class BrowserWindow {
  readonly record;
  readonly webContents;
  constructor(options: Record<string, unknown>) {
    electron.windows.push(options);
    this.record = { options, loaded: [] as string[], printed: [] as unknown[], destroyed: false };
    electron.printWindows.push(this.record);
    const record = this.record;
    this.webContents = {
      getPrintersAsync: async () => electron.printers,
      print(printOptions: unknown, callback: (success: boolean, reason: string) => void) {
        record.printed.push(printOptions);
        setTimeout(() => {
          callback(electron.printOutcome.success, electron.printOutcome.failureReason);
        }, 1);
      },
    };
  }
  once(): void {}
  loadURL(url: string) {
    this.record.loaded.push(url);
    return electron.loadFails ? Promise.reject(new Error('ERR_ABORTED')) : Promise.resolve();
  }
  isDestroyed() {
    return this.record.destroyed;
  }
  destroy() {
    this.record.destroyed = true;
  }
}
