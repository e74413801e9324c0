import { beforeEach, describe, expect, it, vi } from 'vitest';
import { KIOSK_CATALOGUES, printWords } from '../../electron/main/kiosk/print.js';
import { PRINT_PARTITION } from '../../electron/main/web-preferences.js';
import { electron, resetElectron } from './support/kiosk-electron.js';
import { host, printedPage } from './support/kiosk-host.js';

/**
 * Issue 12's station: its recovery codes printed on paper through a hidden window, never saved, against
 * the 'electron' module replaced by a recorder (support/kiosk-electron.ts). The window: kiosk-window.test.ts.
 */

vi.mock('electron', () => import('./support/kiosk-electron.js'));

beforeEach(resetElectron);

describe('Recovery codes on a kiosk are printed, never saved', () => {
  it('prints the codes silently (no dialog offering Save as PDF) on the paper printer, then destroys the window', async () => {
    const { kiosk } = host();
    expect(await kiosk.printRecoveryCodes(['7KQW-M2XD-PL4A', '9HTR-C3VB-ZN8E'])).toEqual({ printed: true });
    const [window] = electron.printWindows;
    expect(window?.printed).toEqual([{ silent: true, printBackground: false, deviceName: 'Lobby_Laser' }]);
    expect(window?.destroyed).toBe(true);
    const page = printedPage();
    expect(page).toContain('<li>7KQW-M2XD-PL4A</li><li>9HTR-C3VB-ZN8E</li>');
    expect(page).toContain('FirstKey recovery codes');
    expect(page).toContain(`default-src 'none'`);
    expect(page).not.toContain('<script');
  });

  it('renders in a hidden window with no preload, no script and an in-memory partition of its own', async () => {
    await host().kiosk.printRecoveryCodes(['7KQW-M2XD-PL4A']);
    const options = electron.printWindows[0]?.options ?? {};
    expect(options.show).toBe(false);
    expect(options.webPreferences).toMatchObject({
      partition: PRINT_PARTITION,
      javascript: false,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      devTools: false,
    });
    expect(options.webPreferences).not.toHaveProperty('preload');
  });

  it('prints text, never markup: a code cannot inject into the page', async () => {
    await host().kiosk.printRecoveryCodes(['<img src=https://evil.example/x>', '"&']);
    const page = printedPage();
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;img src=https://evil.example/x&gt;');
    expect(page).toContain('&quot;&amp;');
  });

  it('never prints to a PDF, XPS or file printer, and says so when the station has no paper printer', async () => {
    electron.printers = [
      { name: 'Microsoft_Print_to_PDF', displayName: 'Microsoft Print to PDF', description: '', options: {} },
      { name: 'PDF', displayName: 'Save as PDF', description: 'CUPS-PDF', options: {} },
      { name: 'XPS', displayName: 'Microsoft XPS Document Writer', description: '', options: {} },
    ];
    expect(await host().kiosk.printRecoveryCodes(['7KQW-M2XD-PL4A'])).toEqual({ printed: false });
    expect(electron.printWindows[0]?.printed).toEqual([]);
    expect(electron.printWindows[0]?.loaded).toEqual([]);
    expect(electron.printWindows[0]?.destroyed).toBe(true);
  });

  it('prefers the default paper printer over the first one', async () => {
    electron.printers = [
      { name: 'Microsoft_Print_to_PDF', displayName: 'Microsoft Print to PDF', description: '', options: { 'is-default': 'true' } },
      { name: 'Backroom', displayName: 'Backroom', description: '', options: {} },
      { name: 'Lobby_Laser', displayName: 'Lobby Laser', description: '', options: { 'is-default': 'true' } },
    ];
    await host().kiosk.printRecoveryCodes(['7KQW-M2XD-PL4A']);
    expect(electron.printWindows[0]?.printed).toEqual([expect.objectContaining({ deviceName: 'Lobby_Laser' })]);
  });

  it('answers printed: false when the printer refuses, or the page does not load, and still destroys the window', async () => {
    electron.printOutcome = { success: false, failureReason: 'Print job failed' };
    expect(await host().kiosk.printRecoveryCodes(['7KQW-M2XD-PL4A'])).toEqual({ printed: false });
    expect(electron.printWindows[0]?.destroyed).toBe(true);

    electron.printWindows.length = 0;
    electron.loadFails = true;
    expect(await host().kiosk.printRecoveryCodes(['7KQW-M2XD-PL4A'])).toEqual({ printed: false });
    expect(electron.printWindows[0]?.printed).toEqual([]);
    expect(electron.printWindows[0]?.destroyed).toBe(true);
  });
});

describe('The printed page speaks the station’s language', () => {
  it('has every English word in German too, and picks by locale', () => {
    expect(Object.keys(KIOSK_CATALOGUES.de.print).sort()).toEqual(Object.keys(KIOSK_CATALOGUES.en.print).sort());
    expect(printWords('de-AT')).toEqual({ lang: 'de', words: KIOSK_CATALOGUES.de.print });
    expect(printWords('fr-CA')).toEqual({ lang: 'fr', words: KIOSK_CATALOGUES.fr.print });
    expect(printWords('ja-JP')).toEqual({ lang: 'en', words: KIOSK_CATALOGUES.en.print });
  });
});
