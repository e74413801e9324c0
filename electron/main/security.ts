import { app, Menu, type Session, type WebContents } from 'electron';

/**
 * The one permission the page gets: writing (never reading) the clipboard, so a
 * person can copy their recovery codes. WebAuthn needs none of Chromium's prompts.
 */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

function originOf(url: string | undefined | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** The web contents is showing the enrolment origin (a frame cannot vouch for the page around it). */
function shows(contents: WebContents | null, origin: string): boolean {
  return contents !== null && originOf(contents.getURL()) === origin;
}

/** A station's page gets no permission at all: recovery codes there are printed, never copied (issue 12). */
export const KIOSK_ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set();

export interface SessionLockOptions {
  /** A kiosk station: not even the clipboard. */
  kiosk?: boolean;
}

/**
 * Locks a session to the enrolment origin: the allowed permissions only for the
 * enrolment page's main frame (asked by that origin, in a web contents showing
 * it); every other permission, origin, frame and device denied; no downloads,
 * so no file dialog ever opens from the page.
 */
export function lockDownSession(session: Session, origin: string, options: SessionLockOptions = {}): void {
  const allowed = options.kiosk ? KIOSK_ALLOWED_PERMISSIONS : ALLOWED_PERMISSIONS;
  session.setPermissionRequestHandler((contents, permission, callback, details) => {
    callback(allowed.has(permission) && details.isMainFrame && originOf(details.requestingUrl) === origin && shows(contents, origin));
  });
  session.setPermissionCheckHandler(
    (contents, permission, requestingOrigin, details) =>
      allowed.has(permission) && details.isMainFrame && originOf(requestingOrigin) === origin && shows(contents, origin),
  );
  session.setDevicePermissionHandler(() => false);
  session.on('will-download', (event) => {
    event.preventDefault();
  });
}

export interface WebContentsLockOptions {
  /** Packaged builds: DevTools are closed the moment anything opens them. */
  production: boolean;
}

export function lockDownWebContents(origin: string, options: WebContentsLockOptions): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (originOf(url) !== origin) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (originOf(url) !== origin) event.preventDefault();
    });
    contents.on('will-frame-navigate', (event) => {
      if (originOf(event.url) !== origin) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => {
      event.preventDefault();
    });
    // No new windows, and no opening of URLs a page picks: the app has no external links.
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    if (options.production) {
      // devTools: false already keeps them shut; this holds if anything ever gets past it.
      contents.on('devtools-opened', () => {
        contents.closeDevTools();
      });
    }
  });
}

/**
 * No application menu in production or on a kiosk station: its View menu carries
 * Toggle Developer Tools, Reload and Zoom, and its File menu Close and Quit.
 */
export function removeDeveloperMenu(production: boolean): void {
  if (production) Menu.setApplicationMenu(null);
}

/**
 * Switches that open the app to a debugger: Chromium's DevTools protocol (which
 * can drive WebAuthn with a virtual authenticator) and Node's inspector. The
 * fuses turn Node's off in packaged builds; Chromium's are refused here.
 */
export const DEBUGGING_SWITCHES = [
  'remote-debugging-port',
  'remote-debugging-pipe',
  'remote-debugging-address',
  'remote-allow-origins',
  'inspect',
  'inspect-brk',
  'inspect-port',
  'inspect-publish-uid',
  'js-flags',
] as const;

/**
 * The first debugging switch on a command line, spelled as given; null if none.
 * Chromium reads `--name`, `-name` and `--name=value` (and `/name` on Windows),
 * case-insensitively on Windows, so all of those count.
 */
export function findDebuggingSwitch(argv: readonly string[], hasSwitch: (name: string) => boolean = () => false): string | null {
  for (const arg of argv.slice(1)) {
    const match = /^(?:--?|\/)([A-Za-z][A-Za-z0-9-]*)(?:=|$)/.exec(arg);
    const name = match?.[1]?.toLowerCase();
    if (name && (DEBUGGING_SWITCHES as readonly string[]).includes(name)) return `--${name}`;
  }
  const set = DEBUGGING_SWITCHES.find((name) => hasSwitch(name));
  return set ? `--${set}` : null;
}
