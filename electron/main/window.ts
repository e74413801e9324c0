import { app, BrowserWindow, type Session } from 'electron';
import { blockedInKiosk } from './kiosk/blocked-input.js';
import type { PrintWindow } from './kiosk/print.js';
import { PRINT_WEB_PREFERENCES, SECURE_WEB_PREFERENCES } from './web-preferences.js';

/**
 * DevTools only in development, never in a packaged build: they would let anyone
 * at the keyboard drive WebAuthn with a virtual authenticator. FIRSTKEY_NO_DEVTOOLS
 * turns them off in development too, to try the production window.
 */
export function devToolsAllowed(packaged: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  return !packaged && !env.FIRSTKEY_NO_DEVTOOLS;
}

/**
 * A kiosk window fills the screen and offers the person no way out: no frame,
 * nothing to close, minimise, move or resize. The 'close' guard in
 * lockDownKioskWindow holds where a platform ignores these (Linux window managers).
 */
const KIOSK_FORM = {
  kiosk: true,
  fullscreen: true,
  frame: false,
  closable: false,
  minimizable: false,
  maximizable: false,
  movable: false,
  resizable: false,
} as const;

/** The only window factory for the app's page: every such window gets the checklist's preferences. */
export function createEnrolmentWindow(config: { readonly kiosk: boolean }, session: Session, preloadPath: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 720,
    height: 760,
    minWidth: 480,
    minHeight: 560,
    show: false,
    title: 'FirstKey',
    kiosk: config.kiosk,
    autoHideMenuBar: true,
    ...(config.kiosk ? KIOSK_FORM : {}),
    webPreferences: {
      session,
      preload: preloadPath,
      ...SECURE_WEB_PREFERENCES,
      // A station is a shared machine: no DevTools on it, development build or not.
      devTools: !config.kiosk && devToolsAllowed(app.isPackaged),
    },
  });
  window.once('ready-to-show', () => {
    window.show();
  });
  return window;
}

export interface RendererRecovery {
  /** The start screen's URL: the renderer begins again from nothing. */
  startUrl: string;
  /** Called first on every loss: drop whatever session main holds for this window. */
  abandonSession(reason: string, exitCode: number): void;
  /** Brings the start screen back; by default loads startUrl (a kiosk wipes instead). */
  reload?: () => Promise<void>;
  /** Called instead of reloading when the renderer keeps dying: tell the person and quit. */
  giveUp(): void;
  /** More losses than this within `windowMs` and the app gives up rather than loop. */
  maxReloads?: number;
  windowMs?: number;
  now?: () => number;
}

/**
 * A renderer that crashed, was killed or ran out of memory takes the page's state
 * with it, but not main's: the session token is still held here. So the session
 * is abandoned (never resumed half-way) and the start screen loaded again.
 */
export function recoverFromRendererLoss(window: BrowserWindow, recovery: RendererRecovery): void {
  const maxReloads = recovery.maxReloads ?? 3;
  const windowMs = recovery.windowMs ?? 60_000;
  const now = recovery.now ?? Date.now;
  let losses: number[] = [];
  window.webContents.on('render-process-gone', (_event, details) => {
    recovery.abandonSession(details.reason, details.exitCode);
    // A clean exit is the window closing, not a loss to recover from.
    if (details.reason === 'clean-exit' || window.isDestroyed()) return;
    const at = now();
    losses = [...losses.filter((time) => at - time < windowMs), at];
    if (losses.length > maxReloads) {
      recovery.giveUp();
      return;
    }
    void (recovery.reload ? recovery.reload() : window.loadURL(recovery.startUrl));
  });
}

export interface KioskWindowLock {
  /** Lets the window close: only the operator's exit (KioskHost.exit) calls it, just before quitting. */
  release(): void;
}

/**
 * The person at a station keeps to the page: the blocked keys never reach it or
 * Chromium, zoom stays at 100 %, no context menu, and the window cannot be
 * closed, minimised or taken out of kiosk mode until the operator lets it.
 */
export function lockDownKioskWindow(window: BrowserWindow): KioskWindowLock {
  let released = false;
  const contents = window.webContents;
  window.removeMenu();
  contents.on('before-input-event', (event, input) => {
    if (blockedInKiosk(input)) event.preventDefault();
  });
  void contents.setVisualZoomLevelLimits(1, 1);
  contents.on('zoom-changed', () => {
    contents.setZoomLevel(0);
  });
  contents.on('context-menu', (event) => {
    event.preventDefault();
  });
  window.on('system-context-menu', (event) => {
    event.preventDefault();
  });
  window.on('close', (event) => {
    if (!released) event.preventDefault();
  });
  window.on('minimize', () => {
    window.restore();
  });
  window.on('leave-full-screen', () => {
    if (!released) window.setKiosk(true);
  });
  return {
    release() {
      released = true;
    },
  };
}

/** The hidden window recovery codes are printed from: no preload, no script, its own in-memory partition. */
export function openPrintWindow(): PrintWindow {
  const window = new BrowserWindow({ show: false, width: 794, height: 1123, webPreferences: PRINT_WEB_PREFERENCES });
  return {
    loadURL: (url) => window.loadURL(url),
    webContents: {
      getPrintersAsync: async () =>
        (await window.webContents.getPrintersAsync()).map(({ name, displayName, description, options }) => ({
          name,
          displayName,
          description,
          options: { ...options },
        })),
      print: (options, callback) => {
        window.webContents.print(options, callback);
      },
    },
    destroy: () => {
      if (!window.isDestroyed()) window.destroy();
    },
  };
}
