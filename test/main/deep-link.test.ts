import { describe, expect, it } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import { createApiClient } from '../../electron/main/api-client.js';
import {
  codeFromLink,
  createLinkReceiver,
  focusWindow,
  LINK_SCHEME,
  linkFromArgv,
  type FocusableWindow,
} from '../../electron/main/deep-link.js';
import { EnrolmentController } from '../../electron/main/enrolment-controller.js';
import { createDispatcher } from '../../electron/main/ipc/dispatcher.js';
import { DEVICE, deviceProofSigner } from './support/device.js';

/**
 * Links reach the app from mail and chat: untrusted input. Only an enrolment
 * link with a plausible code may pre-fill the code field; everything else is ignored.
 */
const CODE = 'K7QD-4M2X-9ZPA-R3TB-VW8N-6HJC-Y5EF';

describe('codeFromLink', () => {
  it('takes the code from firstkey://enrol?code=...', () => {
    expect(codeFromLink(`firstkey://enrol?code=${CODE}`)).toBe(CODE);
  });

  it('takes the code from the opaque form firstkey:enrol?code=...', () => {
    expect(codeFromLink(`firstkey:enrol?code=${CODE}`)).toBe(CODE);
  });

  it('decodes a percent-encoded code, as the server writes links with encodeURIComponent', () => {
    expect(codeFromLink(`firstkey://enrol?code=${encodeURIComponent('K7QD 4M2X 9ZPA R3TB')}`)).toBe('K7QD 4M2X 9ZPA R3TB');
  });

  it('trims whitespace around the code', () => {
    expect(codeFromLink(`firstkey://enrol?code=%20%20${CODE}%20`)).toBe(CODE);
  });

  it('accepts other query parameters next to the code', () => {
    expect(codeFromLink(`firstkey://enrol?utm_source=mail&code=${CODE}&lang=en`)).toBe(CODE);
  });

  it.each([
    ['another action', `firstkey://recover?code=${CODE}`],
    ['another action, opaque form', `firstkey:revoke?code=${CODE}`],
    ['an action that only starts with enrol', `firstkey://enrolment?code=${CODE}`],
    ['an action with a port', `firstkey://enrol:443?code=${CODE}`],
    ['no action', `firstkey://?code=${CODE}`],
    ['no code', 'firstkey://enrol'],
    ['an empty code', 'firstkey://enrol?code='],
    ['a code only in the fragment', `firstkey://enrol#code=${CODE}`],
  ])('ignores %s', (_label, link) => {
    expect(codeFromLink(link)).toBeNull();
  });

  it.each([
    ['https', `https://enrol.firstkey.test/enrol?code=${CODE}`],
    ['http', `http://enrol?code=${CODE}`],
    ['javascript:', `javascript:alert(1)//firstkey://enrol?code=${CODE}`],
    ['data:', `data:text/html,firstkey://enrol?code=${CODE}`],
    ['file:', `file:///enrol?code=${CODE}`],
    ['a lookalike scheme', `firstkeys://enrol?code=${CODE}`],
    ['a scheme that merely contains ours', `x-firstkey://enrol?code=${CODE}`],
  ])('ignores links of another scheme: %s', (_label, link) => {
    expect(codeFromLink(link)).toBeNull();
  });

  it.each([
    ['a script tag', 'firstkey://enrol?code=%3Cscript%3Ealert(1)%3C%2Fscript%3E'],
    ['an img onerror payload', 'firstkey://enrol?code=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E'],
    ['quotes and semicolons', "firstkey://enrol?code=ABCD-EFGH';DROP%20TABLE%20users;--"],
    ['a newline (log injection)', 'firstkey://enrol?code=ABCD-EFGH%0Aadmin%20approved'],
    ['a NUL byte', 'firstkey://enrol?code=ABCD-EFGH%00XYZ'],
    ['non-ASCII letters', 'firstkey://enrol?code=ABCD-%D0%95FGH-1234'],
    ['too short', 'firstkey://enrol?code=ABC-123'],
    ['65 characters', `firstkey://enrol?code=${'A'.repeat(65)}`],
    ['a megabyte', `firstkey://enrol?code=${'A'.repeat(1 << 20)}`],
  ])('ignores a junk code: %s', (_label, link) => {
    expect(codeFromLink(link)).toBeNull();
  });

  it('accepts a code of exactly 64 characters and of exactly 8', () => {
    expect(codeFromLink(`firstkey://enrol?code=${'A'.repeat(64)}`)).toBe('A'.repeat(64));
    expect(codeFromLink('firstkey://enrol?code=ABCD-EFG')).toBe('ABCD-EFG');
  });

  it.each(['', 'firstkey', 'not a link', '://enrol?code=ABCD-EFGH-JKMN', '\u0000'])('ignores malformed input %j', (link) => {
    expect(codeFromLink(link)).toBeNull();
  });
});

describe('linkFromArgv', () => {
  it('uses the scheme the app registers', () => {
    expect(LINK_SCHEME).toBe('firstkey');
  });

  it('finds the link a second instance was started with (Windows and Linux)', () => {
    const link = `firstkey://enrol?code=${CODE}`;
    const argv = ['/opt/FirstKey/firstkey', '--enable-logging', link];
    expect(linkFromArgv(argv)).toBe(link);
    expect(codeFromLink(linkFromArgv(argv) ?? '')).toBe(CODE);
  });

  it('finds the opaque form too', () => {
    expect(linkFromArgv(['C:\\Program Files\\FirstKey\\FirstKey.exe', `firstkey:enrol?code=${CODE}`])).toBe(`firstkey:enrol?code=${CODE}`);
  });

  it('returns null when there is no link', () => {
    expect(linkFromArgv([])).toBeNull();
    expect(linkFromArgv(['/opt/FirstKey/firstkey', '--kiosk', 'dist/electron/main/index.js'])).toBeNull();
  });

  it('does not take a link of another scheme, or one buried inside another argument', () => {
    expect(linkFromArgv(['/opt/FirstKey/firstkey', `https://enrol.firstkey.test/?code=${CODE}`])).toBeNull();
    expect(linkFromArgv(['/opt/FirstKey/firstkey', `--open=firstkey://enrol?code=${CODE}`])).toBeNull();
  });

  it('hands a junk link on only to be refused by codeFromLink', () => {
    const junk = 'firstkey://enrol?code=%3Cscript%3E';
    expect(codeFromLink(linkFromArgv(['app', junk]) ?? '')).toBeNull();
  });
});

/** The running app: the real controller behind the IPC gate (no server needed), and a recorded window focus. */
function runningApp() {
  const controller = new EnrolmentController(createApiClient({ baseUrl: 'http://127.0.0.1:9/', signProof: deviceProofSigner() }), DEVICE);
  const dispatch = createDispatcher(controller.handlers, DEMO_ENROLMENT_ORIGIN);
  const fromWindow = (name: 'waitForLaunchCode' | 'takeLaunchCode') =>
    dispatch({ senderUrl: `${DEMO_ENROLMENT_ORIGIN}/`, isMainFrame: true, name, payload: undefined });
  const focused: string[] = [];
  const receiver = createLinkReceiver({
    deliver: (code) => {
      controller.offerLaunchCode(code);
    },
    focusWindow: () => {
      focused.push('focus');
    },
  });
  return { receiver, fromWindow, focused, dispatch };
}

const settledYet = async (promise: Promise<unknown>): Promise<boolean> => {
  let settled = false;
  void promise.then(() => (settled = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  return settled;
};

describe('Deep links', () => {
  const LINK = `firstkey://enrol?code=${CODE}`;

  it('a link opened while the app runs (second-instance) focuses the window and delivers the code once to the mounted renderer', async () => {
    const app = runningApp();
    const waiting = app.fromWindow('waitForLaunchCode');
    expect(await settledYet(waiting)).toBe(false);

    app.receiver.fromSecondInstance(['/opt/FirstKey/firstkey', LINK]);
    expect(app.focused).toEqual(['focus']);
    expect(await waiting).toEqual({ ok: true, value: true });
    expect(await app.fromWindow('takeLaunchCode')).toEqual({ ok: true, value: CODE });
    expect(await app.fromWindow('takeLaunchCode')).toEqual({ ok: true, value: null });
  });

  it('a link opened on macOS (open-url) focuses the window and delivers the code', async () => {
    const app = runningApp();
    const waiting = app.fromWindow('waitForLaunchCode');
    app.receiver.fromOpenUrl(LINK);
    expect(app.focused).toEqual(['focus']);
    expect(await waiting).toEqual({ ok: true, value: true });
    expect(await app.fromWindow('takeLaunchCode')).toEqual({ ok: true, value: CODE });
  });

  it('ignores invalid links: nothing is delivered, and a junk open-url does not even raise the window', async () => {
    const app = runningApp();
    const waiting = app.fromWindow('waitForLaunchCode');
    app.receiver.fromOpenUrl('firstkey://enrol?code=%3Cscript%3E');
    app.receiver.fromOpenUrl(`https://enrol.firstkey.test/?code=${CODE}`);
    app.receiver.fromSecondInstance(['/opt/FirstKey/firstkey', 'firstkey://recover?code=' + CODE]);
    expect(await settledYet(waiting)).toBe(false);
    expect(await app.fromWindow('takeLaunchCode')).toEqual({ ok: true, value: null });
    // Opening FirstKey again, even with a junk link, still means "show me the app".
    expect(app.focused).toEqual(['focus']);
  });

  it('a second launch without any link brings the window forward and delivers nothing', async () => {
    const app = runningApp();
    app.receiver.fromSecondInstance(['/opt/FirstKey/firstkey']);
    expect(app.focused).toEqual(['focus']);
    expect(await app.fromWindow('takeLaunchCode')).toEqual({ ok: true, value: null });
  });

  it('a link in the first launch’s command line is kept for the renderer to take when it mounts', async () => {
    const app = runningApp();
    app.receiver.fromLaunchArgv(['/opt/FirstKey/firstkey', LINK]);
    expect(app.focused).toEqual([]);
    expect(await app.fromWindow('waitForLaunchCode')).toEqual({ ok: true, value: true });
    expect(await app.fromWindow('takeLaunchCode')).toEqual({ ok: true, value: CODE });
  });

  it('a reloaded page takes over the wait: the old wait ends with false, the new one gets the link', async () => {
    const app = runningApp();
    const oldPage = app.fromWindow('waitForLaunchCode');
    const newPage = app.fromWindow('waitForLaunchCode');
    expect(await oldPage).toEqual({ ok: true, value: false });
    app.receiver.fromOpenUrl(LINK);
    expect(await newPage).toEqual({ ok: true, value: true });
  });

  it('the wait is refused to any frame but the enrolment window', async () => {
    const app = runningApp();
    const refused = await app.dispatch({
      senderUrl: 'https://evil.example/',
      isMainFrame: true,
      name: 'waitForLaunchCode',
      payload: undefined,
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
  });

  it('focusWindow restores a minimised window, shows and focuses it; with no window yet it does nothing', () => {
    const calls: string[] = [];
    const window: FocusableWindow = {
      isDestroyed: () => false,
      isMinimized: () => true,
      restore: () => calls.push('restore'),
      show: () => calls.push('show'),
      focus: () => calls.push('focus'),
    };
    focusWindow(window);
    expect(calls).toEqual(['restore', 'show', 'focus']);
    expect(() => {
      focusWindow(null);
      focusWindow({ ...window, isDestroyed: () => true });
    }).not.toThrow();
    expect(calls).toEqual(['restore', 'show', 'focus']);
  });
});
