import { describe, expect, it } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import { IPC_CHANNELS, type IpcName } from '../../api/ipc-channels.js';
import { ApiClientError } from '../../electron/main/api-client.js';
import type { Handlers } from '../../electron/main/enrolment-controller.js';
import { createDispatcher, type DispatchCall } from '../../electron/main/ipc/dispatcher.js';

/**
 * What script that got into the renderer, or a frame it should not be in, tries through the IPC
 * gate: calling from the wrong place, naming a channel the contract does not have, sending a
 * payload the schema refuses, and fishing for internals in the error that comes back.
 */

const ORIGIN = DEMO_ENROLMENT_ORIGIN;
const NAMES = Object.keys(IPC_CHANNELS) as IpcName[];

/** Handlers that record each call and answer with a marker, or throw what the test asks for. */
function handlersThat(answer: (name: IpcName, request: unknown) => unknown) {
  const calls: { name: IpcName; request: unknown }[] = [];
  const handlers = Object.fromEntries(
    NAMES.map((name) => [
      name,
      async (request: unknown) => {
        calls.push({ name, request });
        return answer(name, request);
      },
    ]),
  ) as unknown as Handlers;
  return { handlers, calls };
}

const call = (name: string, payload: unknown, senderUrl = `${ORIGIN}/`, isMainFrame = true): DispatchCall => ({
  senderUrl,
  isMainFrame,
  name: name as IpcName,
  payload,
});

describe('the IPC gate against a hostile caller', () => {
  it('refuses a foreign origin, a lookalike, and a subframe of our own origin, with one fixed answer', async () => {
    const { handlers, calls } = handlersThat(() => 'ran');
    const dispatch = createDispatcher(handlers, ORIGIN);
    for (const [senderUrl, isMainFrame] of [
      ['https://evil.example/', true],
      [`${ORIGIN}.evil.example/`, true],
      [`${ORIGIN}/`, false],
      ['not a url', true],
      ['', true],
    ] as const) {
      expect(await dispatch(call('currentSession', undefined, senderUrl, isMainFrame))).toEqual({
        ok: false,
        error: { code: 'forbidden_sender', message: 'call refused: not from the enrolment window' },
      });
    }
    expect(calls).toEqual([]);
  });

  it('an unknown channel, or a name inherited from Object.prototype, is "no such call" and runs nothing', async () => {
    const { handlers, calls } = handlersThat(() => 'ran');
    const dispatch = createDispatcher(handlers, ORIGIN);
    for (const name of ['openExternal', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '']) {
      expect(await dispatch(call(name, undefined)), name).toEqual({ ok: false, error: { code: 'bad_payload', message: 'no such call' } });
    }
    expect(calls).toEqual([]);
  });

  it('a payload the schema refuses never reaches the handler, and the answer names the field', async () => {
    const { handlers, calls } = handlersThat(() => 'ran');
    const dispatch = createDispatcher(handlers, ORIGIN);
    const refused = await dispatch(call('registrationOptions', { factor: 'password' }));
    expect(refused).toMatchObject({ ok: false, error: { code: 'bad_payload', message: expect.stringMatching(/^factor: \S/) as unknown } });
    const nested = await dispatch(call('renameFactor', { id: 'Y3JlZA', name: 7 }));
    expect(nested).toMatchObject({ ok: false, error: { code: 'bad_payload', message: expect.stringMatching(/^name: \S/) as unknown } });
    // A payload that is not even an object: the message names the payload itself.
    for (const payload of ['a string', 42, null, undefined]) {
      const whole = await dispatch(call('startSession', payload));
      expect(whole).toMatchObject({ ok: false, error: { code: 'bad_payload', message: expect.stringMatching(/^payload: \S/) as unknown } });
    }
    // A call that takes nothing refuses something.
    const extra = await dispatch(call('currentSession', { token: 'stolen' }));
    expect(extra).toMatchObject({ ok: false, error: { code: 'bad_payload', message: expect.stringMatching(/^payload: \S/) as unknown } });
    expect(calls).toEqual([]);
  });

  it('a valid call reaches exactly its own handler, with the parsed payload', async () => {
    const { handlers, calls } = handlersThat((name) => `answer of ${name}`);
    const dispatch = createDispatcher(handlers, ORIGIN);
    expect(await dispatch(call('registrationOptions', { factor: 'security-key', extra: 'dropped' }))).toEqual({
      ok: true,
      value: 'answer of registrationOptions',
    });
    expect(calls).toEqual([{ name: 'registrationOptions', request: { factor: 'security-key' } }]);
  });

  it("keeps a client error's own code and message, and hides any other error behind 'internal'", async () => {
    const dispatch = (error: Error) =>
      createDispatcher(
        handlersThat(() => {
          throw error;
        }).handlers,
        ORIGIN,
      )(call('currentSession', undefined));
    expect(await dispatch(new ApiClientError('network', 'the server did not answer'))).toEqual({
      ok: false,
      error: { code: 'network', message: 'the server did not answer' },
    });
    const leak = await dispatch(new Error('SQLITE_CANTOPEN /home/ada/.config/firstkey/token hunter2'));
    expect(leak).toEqual({ ok: false, error: { code: 'internal', message: 'unexpected error in the app' } });
  });
});

describe('the IPC gate when main has no origin to allow', () => {
  it('fails closed: with no allowed origin, nothing passes, not even a sender URL that cannot be parsed', async () => {
    const { handlers, calls } = handlersThat(() => 'ran');
    const dispatch = createDispatcher(handlers, undefined as unknown as string);
    for (const senderUrl of ['not a url', '', `${ORIGIN}/`]) {
      expect(await dispatch(call('currentSession', undefined, senderUrl))).toMatchObject({
        ok: false,
        error: { code: 'forbidden_sender' },
      });
    }
    expect(calls).toEqual([]);
  });
});
