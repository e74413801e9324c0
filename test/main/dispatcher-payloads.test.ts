import { describe, expect, it } from 'vitest';
import type { IpcName } from '../../api/ipc-channels.js';
import type { IpcResult, IpcResults } from '../../api/ipc.js';
import { ApiClientError } from '../../electron/main/api-client.js';
import { createDispatcher } from '../../electron/main/ipc/dispatcher.js';
import { expectFailure, fromApp, GOOD_CODE, NAMES, ORIGIN, recordingHandlers, RESPONSE, VALID_PAYLOAD } from './support/dispatcher.js';

// What may be sent through the IPC gate, and what a failure behind it says.
/**
 * The IPC gate: every call from the renderer passes here. An attacker who gets
 * script into a frame (an ad, an injected iframe, a page navigated elsewhere)
 * must not reach a handler; a malformed call must be refused with the field named;
 * no failure may leak internals.
 */
describe('what may be sent', () => {
  const cases: [string, IpcName, unknown, string][] = [
    ['a factor the contract does not know', 'registrationOptions', { factor: 'password' }, 'factor'],
    ['no factor', 'registrationOptions', {}, 'factor'],
    ['a factor of the wrong type', 'registrationOptions', { factor: 1 }, 'factor'],
    ['an overlong code', 'startSession', { code: 'A'.repeat(65) }, 'code'],
    ['an empty code', 'startSession', { code: '   ' }, 'code'],
    ['a code that is a number', 'startSession', { code: 12345678 }, 'code'],
    ['a code that is an object', 'startSession', { code: { toString: 'x' } }, 'code'],
    ['a code that is an array', 'startSession', { code: ['ABCD'] }, 'code'],
    ['a bare string instead of an object', 'startSession', GOOD_CODE, 'payload'],
    ['null instead of an object', 'startSession', null, 'payload'],
    ['nothing at all', 'startSession', undefined, 'payload'],
    ['a payload where none is taken', 'currentSession', { token: 'x' }, 'payload'],
    ['a payload to endSession', 'endSession', 'now', 'payload'],
    ['an unknown option to completeSession', 'completeSession', { retireEverything: true }, 'payload'],
    ['a recovery with an unknown method', 'recover', { method: 'sms', code: 'x' }, 'method'],
    ['an assertion without a response', 'authenticate', {}, 'response'],
    ['authentication for an unknown purpose', 'authenticationOptions', { username: 'ada.new', purpose: 'admin' }, 'purpose'],
    ['a payload to takeLaunchCode', 'takeLaunchCode', 0, 'payload'],
    ['a registration without a response', 'verifyRegistration', { factor: 'passkey' }, 'response'],
    ['a registration with a bad factor', 'verifyRegistration', { factor: 'sms', response: RESPONSE }, 'factor'],
    [
      'a registration whose clientDataJSON is not base64url',
      'verifyRegistration',
      { factor: 'passkey', response: { ...RESPONSE, response: { ...RESPONSE.response, clientDataJSON: '<script>' } } },
      'response.response.clientDataJSON',
    ],
    [
      'a registration of another credential type',
      'verifyRegistration',
      { factor: 'passkey', response: { ...RESPONSE, type: 'password' } },
      'response.type',
    ],
  ];

  it.each(cases)('refuses %s as bad_payload naming the field, without running the handler', async (_label, name, payload, field) => {
    const { handlers, calls } = recordingHandlers();
    const dispatch = createDispatcher(handlers, ORIGIN);
    const message = expectFailure(await dispatch(fromApp(name, payload)), 'bad_payload');
    expect(message.startsWith(`${field}: `)).toBe(true);
    expect(calls).toEqual([]);
  });

  it('never echoes a refused code back in the message', async () => {
    const { handlers } = recordingHandlers();
    const dispatch = createDispatcher(handlers, ORIGIN);
    const secretish = `${GOOD_CODE}-${GOOD_CODE}-${GOOD_CODE}`;
    const message = expectFailure(await dispatch(fromApp('startSession', { code: secretish })), 'bad_payload');
    expect(message).not.toContain(GOOD_CODE);
  });

  it('hands the handler only what the contract names: extra members are dropped, the code trimmed', async () => {
    const { handlers, calls } = recordingHandlers();
    const dispatch = createDispatcher(handlers, ORIGIN);
    await dispatch(fromApp('startSession', { code: `  ${GOOD_CODE}  `, admin: true, username: 'root', token: 'x'.repeat(40) }));
    await dispatch(fromApp('registrationOptions', { factor: 'security-key', userVerification: 'discouraged', rpId: 'evil.example' }));
    expect(calls).toEqual([
      { name: 'startSession', request: { code: GOOD_CODE } },
      { name: 'registrationOptions', request: { factor: 'security-key' } },
    ]);
  });

  it('is not fooled by a __proto__ member', async () => {
    const { handlers, calls } = recordingHandlers();
    const dispatch = createDispatcher(handlers, ORIGIN);
    const payload: unknown = JSON.parse(`{"code":"${GOOD_CODE}","__proto__":{"polluted":true,"factor":"password"}}`);
    await dispatch(fromApp('startSession', payload));
    expect(calls[0]?.request).toEqual({ code: GOOD_CODE });
    expect(Object.getPrototypeOf(calls[0]?.request)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('what a failure says', () => {
  it('keeps the code and message of an ApiClientError', async () => {
    const { handlers } = recordingHandlers(() => {
      throw new ApiClientError('code_locked', 'too many wrong attempts');
    });
    const result = await createDispatcher(handlers, ORIGIN)(fromApp('startSession', { code: GOOD_CODE }));
    expect(result).toEqual({ ok: false, error: { code: 'code_locked', message: 'too many wrong attempts' } });
  });

  it.each([
    ['an Error', () => new Error('SQLITE_CORRUPT /home/ada/.config/FirstKey token=abcdefabcdefabcdef')],
    ['a TypeError', () => new TypeError("Cannot read properties of undefined (reading 'token')")],
    ['an ApiClientError lookalike', () => ({ name: 'ApiClientError', code: 'session_completed', message: 'forged' })],
    ['a string', () => 'keychain password hunter2'],
    ['undefined', () => undefined],
  ])('turns %s into internal, leaking nothing', async (_label, makeError) => {
    const thrown = makeError();
    const { handlers } = recordingHandlers(() => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- non-Error throws are the point of this case
      throw thrown;
    });
    const dispatch = createDispatcher(handlers, ORIGIN);
    for (const name of NAMES) {
      const result = await dispatch(fromApp(name, VALID_PAYLOAD[name]));
      expect(result).toEqual({ ok: false, error: { code: 'internal', message: 'unexpected error in the app' } });
      const text = JSON.stringify(result);
      for (const secret of ['SQLITE', '/home/ada', 'abcdef', 'token', 'forged', 'hunter2', 'stack']) expect(text).not.toContain(secret);
    }
  });

  it('answers with plain data that survives IPC structured cloning, success or failure', async () => {
    const ok = recordingHandlers();
    const bad = recordingHandlers(() => {
      throw new ApiClientError('network', 'the verification server could not be reached', { cause: new Error('ECONNREFUSED 10.0.0.7') });
    });
    const results: IpcResult<IpcResults[IpcName]>[] = [];
    for (const name of NAMES) {
      results.push(await createDispatcher(ok.handlers, ORIGIN)(fromApp(name, VALID_PAYLOAD[name])));
      results.push(await createDispatcher(bad.handlers, ORIGIN)(fromApp(name, VALID_PAYLOAD[name])));
    }
    for (const result of results) {
      expect(structuredClone(result)).toEqual(result);
      expect(result).not.toBeInstanceOf(Error);
      expect(JSON.stringify(result)).not.toContain('ECONNREFUSED');
    }
  });
});
