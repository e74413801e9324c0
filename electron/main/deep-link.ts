/** The scheme the OS hands to FirstKey, e.g. `firstkey://enrol?code=ABCD-...`. */
export const LINK_SCHEME = 'firstkey';

/**
 * Pulls an enrolment code out of a `firstkey://enrol?code=...` link. Anything else,
 * including a link to another action or a code with characters no code has, is
 * ignored: links arrive from outside (mail, chat) and are untrusted.
 */
export function codeFromLink(link: string): string | null {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return null;
  }
  if (url.protocol !== `${LINK_SCHEME}:`) return null;
  // `firstkey://enrol?...` parses with host "enrol"; `firstkey:enrol?...` with pathname "enrol".
  const action = url.host || url.pathname.replace(/^\/+/, '');
  if (action !== 'enrol') return null;
  const code = url.searchParams.get('code')?.trim() ?? '';
  return /^[A-Za-z0-9 -]{8,64}$/.test(code) ? code : null;
}

/** On Windows and Linux the link arrives as a command-line argument of a second instance. */
export function linkFromArgv(argv: readonly string[]): string | null {
  return argv.find((arg) => arg.toLowerCase().startsWith(`${LINK_SCHEME}:`)) ?? null;
}

/** The window calls a link needs; BrowserWindow has them all (kept structural so this file stays plain Node). */
export interface FocusableWindow {
  isDestroyed(): boolean;
  isMinimized(): boolean;
  restore(): void;
  show(): void;
  focus(): void;
}

/** Brings the enrolment window to the front: restored if minimised, shown if hidden. No window yet: nothing to do. */
export function focusWindow(window: FocusableWindow | null | undefined): void {
  if (!window || window.isDestroyed()) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

export interface LinkReceiverDeps {
  /** Hands a code to the renderer: EnrolmentController.offerLaunchCode, which wakes a renderer already waiting. */
  deliver(code: string): void;
  /** Brings the window forward, e.g. () => focusWindow(mainWindow). */
  focusWindow(): void;
}

export interface LinkReceiver {
  /** The app's own command line at start (Windows, Linux): the window does not exist yet, so only the code is kept. */
  fromLaunchArgv(argv: readonly string[]): void;
  /** 'second-instance' (Windows, Linux): someone opened FirstKey again, with or without a link; either way they want the window. */
  fromSecondInstance(argv: readonly string[]): void;
  /** 'open-url' (macOS): only a usable enrolment link does anything. */
  fromOpenUrl(url: string): void;
}

/** Where links reach the running app; index.ts wires its methods to app events. */
export function createLinkReceiver(deps: LinkReceiverDeps): LinkReceiver {
  const codeIn = (link: string | null): string | null => (link === null ? null : codeFromLink(link));
  return {
    fromLaunchArgv(argv) {
      const code = codeIn(linkFromArgv(argv));
      if (code) deps.deliver(code);
    },
    fromSecondInstance(argv) {
      const code = codeIn(linkFromArgv(argv));
      if (code) deps.deliver(code);
      deps.focusWindow();
    },
    fromOpenUrl(url) {
      const code = codeIn(url);
      if (!code) return;
      deps.deliver(code);
      deps.focusWindow();
    },
  };
}
