import { app, BrowserWindow, type Session } from 'electron';
import { SECURE_WEB_PREFERENCES } from './web-preferences.js';

/**
 * DevTools only in development, never in a packaged build: they would let anyone
 * at the keyboard drive WebAuthn with a virtual authenticator. FIRSTKEY_NO_DEVTOOLS
 * turns them off in development too, to try the production window.
 */
export function devToolsAllowed(packaged: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  return !packaged && !env.FIRSTKEY_NO_DEVTOOLS;
}

/** The only window factory: every window FirstKey opens gets the checklist's preferences. */
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
    webPreferences: {
      session,
      preload: preloadPath,
      ...SECURE_WEB_PREFERENCES,
      devTools: devToolsAllowed(app.isPackaged),
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
    void window.loadURL(recovery.startUrl);
  });
}
