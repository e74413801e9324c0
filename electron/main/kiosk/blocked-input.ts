/**
 * Which keys a kiosk window swallows before the page or Chromium sees them.
 * Plain data in, a verdict out, so the whole table is tested without Electron;
 * window.ts applies it in 'before-input-event'.
 *
 * The kiosk has no application menu, so most of these shortcuts have nothing
 * behind them already; blocking them here keeps it so if a menu, a Chromium
 * default or an OS binding ever brings one back.
 */

/** The fields of Electron's `Input` the verdict reads. */
export interface KeyInput {
  readonly key: string;
  readonly code: string;
  readonly control: boolean;
  readonly meta: boolean;
  readonly alt: boolean;
  readonly shift: boolean;
}

export type BlockedReason = 'reload' | 'zoom' | 'navigation' | 'devtools' | 'print' | 'close' | 'view-source' | 'file' | 'new-window';

/** Keys that act on their own, with no modifier. */
const BARE_KEYS: ReadonlyMap<string, BlockedReason> = new Map<string, BlockedReason>([
  ['F5', 'reload'],
  ['BrowserRefresh', 'reload'],
  ['F12', 'devtools'],
  ['BrowserBack', 'navigation'],
  ['BrowserForward', 'navigation'],
  ['BrowserHome', 'navigation'],
  ['BrowserSearch', 'navigation'],
  ['BrowserFavorites', 'navigation'],
  ['ZoomIn', 'zoom'],
  ['ZoomOut', 'zoom'],
  ['ZoomToggle', 'zoom'],
  ['Print', 'print'],
  ['Close', 'close'],
]);

/** Letters that mean something with Ctrl (Windows, Linux) or Cmd (macOS) held. */
const COMMAND_LETTERS: ReadonlyMap<string, BlockedReason> = new Map<string, BlockedReason>([
  ['r', 'reload'],
  ['w', 'close'],
  ['q', 'close'],
  ['m', 'close'],
  ['h', 'close'],
  ['p', 'print'],
  ['u', 'view-source'],
  ['s', 'file'],
  ['o', 'file'],
  ['n', 'new-window'],
  ['t', 'new-window'],
]);

/** With Ctrl/Cmd and Shift (or Cmd and Option on macOS): Chromium's DevTools panels. */
const DEVTOOLS_LETTERS: ReadonlySet<string> = new Set(['i', 'j', 'c']);

const ZOOM_KEYS: ReadonlySet<string> = new Set(['+', '-', '=', '_', '0']);
const ZOOM_CODES: ReadonlySet<string> = new Set(['Equal', 'Minus', 'Digit0', 'NumpadAdd', 'NumpadSubtract', 'Numpad0']);

/**
 * The Latin letter a shortcut means. On a non-Latin layout (Cyrillic, Greek)
 * `key` is that layout's letter while Chromium still fires the shortcut from
 * the physical key, so the physical position counts there; on a Latin layout
 * the printed letter counts, so AZERTY's Ctrl+Z (physically KeyW) stays undo.
 */
function letterOf(input: KeyInput): string | null {
  if (/^[a-z]$/i.test(input.key)) return input.key.toLowerCase();
  if (input.key.length === 1 && /^Key[A-Z]$/.test(input.code)) return input.code.slice(3).toLowerCase();
  return null;
}

/**
 * Why the kiosk swallows this key (both its keyDown and keyUp), or null when it
 * belongs to the page: typing, Tab, Enter, Escape, arrows (Cmd+Left still
 * moves to the line start on macOS), select all, copy, paste, undo.
 */
export function blockedInKiosk(input: KeyInput): BlockedReason | null {
  const bare = BARE_KEYS.get(input.key);
  if (bare) return bare;
  if (input.key === 'F4' && (input.alt || input.control || input.meta)) return 'close';
  if (input.alt && !input.control && !input.meta && (input.key === 'ArrowLeft' || input.key === 'ArrowRight' || input.key === 'Home')) {
    return 'navigation';
  }
  // Ctrl+Alt is AltGr on Windows (@, €, {, [, backslash, ś): typing, and no browser shortcut uses it.
  const command = input.meta || (input.control && !input.alt);
  if (!command) return null;
  const letter = letterOf(input);
  if (letter && DEVTOOLS_LETTERS.has(letter) && (input.shift || (input.meta && input.alt))) return 'devtools';
  if (letter === 'u' && input.alt) return 'view-source';
  if (ZOOM_KEYS.has(input.key) || ZOOM_CODES.has(input.code)) return 'zoom';
  if (input.key === '[' || input.key === ']' || input.code === 'BracketLeft' || input.code === 'BracketRight') return 'navigation';
  if (letter) return COMMAND_LETTERS.get(letter) ?? null;
  return null;
}
