import { describe, expect, it } from 'vitest';
import { blockedInKiosk, type BlockedReason, type KeyInput } from '../../electron/main/kiosk/blocked-input.js';

/**
 * Issue 12, "A locked-down window": which keys the station swallows before the
 * page or Chromium sees them, and which stay with the person (typing a code,
 * moving between fields, copy and paste). Pure data, so the table is exhaustive.
 */
type Mods = Partial<Pick<KeyInput, 'control' | 'meta' | 'alt' | 'shift'>>;

function key(keyName: string, mods: Mods = {}, code?: string): KeyInput {
  const derived = /^[a-z]$/i.test(keyName) ? `Key${keyName.toUpperCase()}` : /^[0-9]$/.test(keyName) ? `Digit${keyName}` : keyName;
  return { key: keyName, code: code ?? derived, control: false, meta: false, alt: false, shift: false, ...mods };
}

const CTRL = { control: true };
const CMD = { meta: true };

describe('A locked-down window', () => {
  describe('blocks, with Ctrl (Windows, Linux) and Cmd (macOS) alike', () => {
    const cases: [string, KeyInput, BlockedReason][] = [];
    for (const [label, mod] of [
      ['Ctrl', CTRL],
      ['Cmd', CMD],
    ] as const) {
      cases.push(
        [`${label}+R reload`, key('r', mod), 'reload'],
        [`${label}+Shift+R hard reload`, key('R', { ...mod, shift: true }), 'reload'],
        [`${label}+F5`, key('F5', mod), 'reload'],
        [`${label}+Plus zoom in`, key('+', { ...mod, shift: true }, 'Equal'), 'zoom'],
        [`${label}+= zoom in`, key('=', mod, 'Equal'), 'zoom'],
        [`${label}+Minus zoom out`, key('-', mod, 'Minus'), 'zoom'],
        [`${label}+0 zoom reset`, key('0', mod), 'zoom'],
        [`${label}+numpad plus`, key('+', mod, 'NumpadAdd'), 'zoom'],
        [`${label}+numpad minus`, key('-', mod, 'NumpadSubtract'), 'zoom'],
        [`${label}+[ back`, key('[', mod, 'BracketLeft'), 'navigation'],
        [`${label}+] forward`, key(']', mod, 'BracketRight'), 'navigation'],
        [`${label}+Shift+I DevTools`, key('I', { ...mod, shift: true }), 'devtools'],
        [`${label}+Shift+J console`, key('J', { ...mod, shift: true }), 'devtools'],
        [`${label}+Shift+C inspect element`, key('C', { ...mod, shift: true }), 'devtools'],
        [`${label}+P print`, key('p', mod), 'print'],
        [`${label}+W close`, key('w', mod), 'close'],
        [`${label}+Q quit`, key('q', mod), 'close'],
        [`${label}+M minimise`, key('m', mod), 'close'],
        [`${label}+H hide`, key('h', mod), 'close'],
        [`${label}+U view source`, key('u', mod), 'view-source'],
        [`${label}+S save page`, key('s', mod), 'file'],
        [`${label}+O open file`, key('o', mod), 'file'],
        [`${label}+N new window`, key('n', mod), 'new-window'],
        [`${label}+T new tab`, key('t', mod), 'new-window'],
        [`${label}+Shift+N new private window`, key('N', { ...mod, shift: true }), 'new-window'],
      );
    }
    cases.push(
      ['F5', key('F5'), 'reload'],
      ['Shift+F5', key('F5', { shift: true }), 'reload'],
      ['the keyboard refresh key', key('BrowserRefresh'), 'reload'],
      ['F12', key('F12'), 'devtools'],
      ['Cmd+Option+I (DevTools on macOS)', key('i', { meta: true, alt: true }), 'devtools'],
      ['Cmd+Option+J', key('j', { meta: true, alt: true }), 'devtools'],
      ['Cmd+Option+C', key('c', { meta: true, alt: true }), 'devtools'],
      ['Cmd+Option+U (view source on macOS)', key('u', { meta: true, alt: true }), 'view-source'],
      ['Alt+Left back', key('ArrowLeft', { alt: true }), 'navigation'],
      ['Alt+Right forward', key('ArrowRight', { alt: true }), 'navigation'],
      ['Alt+Home', key('Home', { alt: true }), 'navigation'],
      ['the keyboard back key', key('BrowserBack'), 'navigation'],
      ['the keyboard forward key', key('BrowserForward'), 'navigation'],
      ['the keyboard home key', key('BrowserHome'), 'navigation'],
      ['the keyboard zoom key', key('ZoomIn'), 'zoom'],
      ['the keyboard print key', key('Print'), 'print'],
      ['Alt+F4', key('F4', { alt: true }), 'close'],
      ['Ctrl+F4', key('F4', CTRL), 'close'],
      ['Ctrl+R on a Cyrillic layout (key к, physical R)', key('к', CTRL, 'KeyR'), 'reload'],
      ['Ctrl+W on a Greek layout (key ς, physical W)', key('ς', CTRL, 'KeyW'), 'close'],
      ['Ctrl+Shift+I on a Cyrillic layout', key('Ш', { control: true, shift: true }, 'KeyI'), 'devtools'],
      ['Ctrl+0 on AZERTY (key à, physical Digit0)', key('à', CTRL, 'Digit0'), 'zoom'],
    );

    it.each(cases)('%s', (_label, input, reason) => {
      expect(blockedInKiosk(input)).toBe(reason);
    });
  });

  describe('leaves the person what a form needs', () => {
    const allowed: [string, KeyInput][] = [
      ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-'
        .split('')
        .map((char): [string, KeyInput] => [`typing ${char}`, key(char)]),
      ['Shift+letter', key('A', { shift: true })],
      ['a letter from another layout', key('ж', {}, 'Semicolon')],
      ['Tab', key('Tab')],
      ['Shift+Tab', key('Tab', { shift: true })],
      ['Enter', key('Enter')],
      ['Space', key(' ', {}, 'Space')],
      ['Escape', key('Escape')],
      ['Backspace', key('Backspace')],
      ['Delete', key('Delete')],
      ['arrows', key('ArrowLeft')],
      ['Shift+arrow (select)', key('ArrowRight', { shift: true })],
      ['Ctrl+arrow (word by word)', key('ArrowLeft', CTRL)],
      ['Cmd+Left (line start on macOS)', key('ArrowLeft', CMD)],
      ['Home', key('Home')],
      ['End', key('End')],
      ['F4 alone', key('F4')],
      ['Alt alone (AltGr for @ and € on European layouts)', key('Alt', { alt: true }, 'AltRight')],
      ['AltGr+Q for @ on a German layout', key('@', { control: true, alt: true }, 'KeyQ')],
      ['AltGr+0 for } on a German layout', key('}', { control: true, alt: true }, 'Digit0')],
      ['AltGr+8 for [ on a German layout', key('[', { control: true, alt: true }, 'Digit8')],
      ['AltGr+ß for a backslash on a German layout', key('\\', { control: true, alt: true }, 'Minus')],
      ['AltGr+S for ś on a Polish layout', key('ś', { control: true, alt: true }, 'KeyS')],
      ['AltGr+E for €', key('€', { control: true, alt: true }, 'KeyE')],
      ['Ctrl+A select all', key('a', CTRL)],
      ['Ctrl+C copy (the page decides what may be copied)', key('c', CTRL)],
      ['Ctrl+V paste (the code from IT)', key('v', CTRL)],
      ['Cmd+V paste', key('v', CMD)],
      ['Ctrl+X cut', key('x', CTRL)],
      ['Ctrl+Z undo', key('z', CTRL)],
      ['Ctrl+Z undo on AZERTY (physically KeyW)', key('z', CTRL, 'KeyW')],
      ['Ctrl+Y redo', key('y', CTRL)],
      ['Cmd+Shift+Z redo', key('Z', { meta: true, shift: true })],
      ['Ctrl+Backspace', key('Backspace', CTRL)],
    ];

    it.each(allowed)('%s', (_label, input) => {
      expect(blockedInKiosk(input)).toBeNull();
    });
  });
});
