import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../electron/main/ipc/dispatcher.js';
import type { RunningServer } from '../../server/start.js';
import { newDevice } from './support/device.js';
import { expectFailure, fromApp, GOOD_CODE, NAMES, ORIGIN, recordingHandlers, SESSION, VALID_PAYLOAD } from './support/dispatcher.js';
import { newEnrolee, startDemoServer } from './support/server.js';
import type { IpcName } from '../../api/ipc-channels.js';

// Who may call through the IPC gate: the sender check, alone and in front of the real controller and server.
/**
 * The IPC gate: every call from the renderer passes here. An attacker who gets
 * script into a frame (an ad, an injected iframe, a page navigated elsewhere)
 * must not reach a handler; a malformed call must be refused with the field named;
 * no failure may leak internals.
 */
describe('who may call', () => {
  const refused: [string, string, boolean][] = [
    ['another https origin', 'https://evil.example/', true],
    ['an http lookalike of our host', 'http://enrol.firstkey.test/', true],
    ['our host on another port', 'https://enrol.firstkey.test:8443/', true],
    ['a lookalike host ending in ours', 'https://enrol.firstkey.test.evil.example/', true],
    ['a subdomain of ours', 'https://a.enrol.firstkey.test/', true],
    ['a host that only contains ours', 'https://evil.example/https://enrol.firstkey.test/', true],
    ['our host as userinfo', 'https://enrol.firstkey.test@evil.example/', true],
    ['a subframe of our own origin', `${ORIGIN}/`, false],
    ['a subframe of another origin', 'https://evil.example/', false],
    ['a malformed URL', 'not a url', true],
    ['an empty URL (main saw another web contents)', '', true],
    ['about:blank', 'about:blank', true],
    ['a data: URL', 'data:text/html,<script>firstkey.startSession()</script>', true],
    ['a file: URL', 'file:///etc/passwd', true],
    ['the literal null origin', 'null', true],
    ['a chrome error page', 'chrome-error://chromewebdata/', true],
  ];

  it.each(refused)('refuses %s on every channel without running a handler', async (_label, senderUrl, isMainFrame) => {
    const { handlers, calls } = recordingHandlers();
    const dispatch = createDispatcher(handlers, ORIGIN);
    for (const name of NAMES) {
      const result = await dispatch({ senderUrl, isMainFrame, name, payload: VALID_PAYLOAD[name] });
      expectFailure(result, 'forbidden_sender');
    }
    expect(calls).toEqual([]);
  });

  it('checks the sender before the payload: a foreign caller learns nothing about the schema', async () => {
    const { handlers } = recordingHandlers();
    const dispatch = createDispatcher(handlers, ORIGIN);
    const result = await dispatch({
      senderUrl: 'https://evil.example/',
      isMainFrame: true,
      name: 'registrationOptions',
      payload: { factor: 'password' },
    });
    expectFailure(result, 'forbidden_sender');
  });

  it('lets the top frame of our origin call, whatever page of it is showing', async () => {
    const { handlers, calls } = recordingHandlers();
    const dispatch = createDispatcher(handlers, ORIGIN);
    for (const senderUrl of [`${ORIGIN}/`, `${ORIGIN}/index.html?step=2#done`, 'https://ENROL.firstkey.test:443/x']) {
      expect(await dispatch({ senderUrl, isMainFrame: true, name: 'currentSession', payload: undefined })).toEqual({
        ok: true,
        value: SESSION,
      });
    }
    expect(calls).toHaveLength(3);
  });

  it('refuses a call naming no contract channel without running anything', async () => {
    const { handlers, calls } = recordingHandlers();
    const dispatch = createDispatcher(handlers, ORIGIN);
    for (const name of ['constructor', '__proto__', 'toString', 'openExternal']) {
      // The name is checked by type only; main's registerIpc never passes another, but the e2e harness binding can.
      const outcome = await dispatch(fromApp(name as IpcName, undefined)).then(
        (result) => result,
        () => 'rejected' as const,
      );
      expect(outcome).not.toMatchObject({ ok: true });
    }
    expect(calls).toEqual([]);
  });
});

describe('with the real controller and server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startDemoServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('a subframe cannot spend a code: it stays usable for the enrolment window', async () => {
    const { code } = await newEnrolee(server);
    const { controller } = newDevice(server.url);
    const dispatch = createDispatcher(controller.handlers, ORIGIN);
    expectFailure(
      await dispatch({ senderUrl: `${ORIGIN}/`, isMainFrame: false, name: 'startSession', payload: { code } }),
      'forbidden_sender',
    );
    expect(await controller.handlers.currentSession(undefined)).toBeNull();
    const opened = await dispatch(fromApp('startSession', { code }));
    expect(opened).toMatchObject({ ok: true, value: { purpose: 'enrol' } });
  });

  it('a foreign frame cannot end, read or complete the open session', async () => {
    const { code, username } = await newEnrolee(server);
    const { controller } = newDevice(server.url);
    const dispatch = createDispatcher(controller.handlers, ORIGIN);
    await dispatch(fromApp('startSession', { code }));
    for (const name of ['currentSession', 'endSession', 'completeSession'] as const) {
      expectFailure(
        await dispatch({ senderUrl: 'https://evil.example/', isMainFrame: true, name, payload: undefined }),
        'forbidden_sender',
      );
    }
    const current = await dispatch(fromApp('currentSession', undefined));
    expect(current).toMatchObject({ ok: true, value: { user: { username } } });
    await dispatch(fromApp('endSession', undefined));
  });

  it('a foreign frame cannot take the code a link delivered', async () => {
    const { controller } = newDevice(server.url);
    const dispatch = createDispatcher(controller.handlers, ORIGIN);
    controller.offerLaunchCode(GOOD_CODE);
    expectFailure(
      await dispatch({ senderUrl: `${ORIGIN}/`, isMainFrame: false, name: 'takeLaunchCode', payload: undefined }),
      'forbidden_sender',
    );
    expect(await dispatch(fromApp('takeLaunchCode', undefined))).toEqual({ ok: true, value: GOOD_CODE });
  });

  it("keeps the controller's own refusal code: no session yet", async () => {
    const { controller } = newDevice(server.url);
    const dispatch = createDispatcher(controller.handlers, ORIGIN);
    expectFailure(await dispatch(fromApp('registrationOptions', { factor: 'passkey' })), 'no_session');
    expectFailure(await dispatch(fromApp('completeSession', undefined)), 'no_session');
  });

  it("keeps the server's refusal code, and does not echo the code back", async () => {
    const { controller } = newDevice(server.url);
    const dispatch = createDispatcher(controller.handlers, ORIGIN);
    const refused = await dispatch(fromApp('startSession', { code: GOOD_CODE }));
    // Besides the code and message only the tries left (for the person's next try), never what was typed.
    expect(refused).toEqual({
      ok: false,
      error: { code: 'code_invalid', message: expect.any(String) as string, tries: { beforeWait: expect.any(Number) as number } },
    });
    const message = refused.ok ? '' : refused.error.message;
    expect(message).not.toContain(GOOD_CODE);
    expect(message).not.toContain(GOOD_CODE.replace(/-/g, ''));
  });

  it('keeps code_used when a code is tried a second time', async () => {
    const { code } = await newEnrolee(server);
    const first = createDispatcher(newDevice(server.url).controller.handlers, ORIGIN);
    const second = createDispatcher(newDevice(server.url).controller.handlers, ORIGIN);
    expect(await first(fromApp('startSession', { code }))).toMatchObject({ ok: true });
    expectFailure(await second(fromApp('startSession', { code })), 'code_used');
  });
});
