import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import type { CompleteResponse, CredentialView, SessionView } from '../../api/enrolment.js';
import { IPC_CHANNELS, type IpcName } from '../../api/ipc-channels.js';
import type { IpcResult, IpcResults } from '../../api/ipc.js';
import type { EmergencyGrantView } from '../../api/operations/emergency-access.js';
import type { CreationOptionsJSON } from '../../api/webauthn.js';
import { ApiClientError } from '../../electron/main/api-client.js';
import type { Handlers } from '../../electron/main/enrolment-controller.js';
import { createDispatcher, type DispatchCall } from '../../electron/main/ipc/dispatcher.js';
import type { RunningServer } from '../../server/start.js';
import { newDevice } from './support/device.js';
import { newEnrolee, startDemoServer } from './support/server.js';

/**
 * The IPC gate: every call from the renderer passes here. An attacker who gets
 * script into a frame (an ad, an injected iframe, a page navigated elsewhere)
 * must not reach a handler; a malformed call must be refused with the field named;
 * no failure may leak internals.
 */
const ORIGIN = DEMO_ENROLMENT_ORIGIN;
const NAMES = Object.keys(IPC_CHANNELS) as IpcName[];
const GOOD_CODE = 'K7QD-4M2X-9ZPA-R3TB-VW8N-6HJC-Y5EF';

const SESSION: SessionView = {
  id: 's1',
  purpose: 'enrol',
  user: { username: 'ada.new', displayName: 'Ada Lovelace' },
  allowedFactors: ['passkey', 'security-key'],
  requirements: [],
  expiresAt: '2030-01-01T00:05:00.000Z',
  lifetimeEndsAt: '2030-01-01T00:10:00.000Z',
  idleEndsAt: '2030-01-01T00:05:00.000Z',
  serverTime: '2030-01-01T00:00:00.000Z',
};
const CREDENTIAL: CredentialView = {
  id: 'cred',
  factor: 'passkey',
  status: 'pending',
  authenticatorName: null,
  name: null,
  createdAt: '2030-01-01T00:00:00.000Z',
  expiresAt: null,
};
const OPTIONS: CreationOptionsJSON = {
  rp: { id: 'enrol.firstkey.test', name: 'FirstKey' },
  user: { id: 'dXNlcg', name: 'ada.new', displayName: 'Ada Lovelace' },
  challenge: 'Y2hhbGxlbmdl',
  pubKeyCredParams: [{ alg: -7, type: 'public-key' }],
};
const COMPLETE: CompleteResponse = { user: SESSION.user, credentials: [{ ...CREDENTIAL, status: 'active' }] };

/** A registration response that passes the contract's schema (the server would still check it). */
const RESPONSE = {
  id: 'Y3JlZA',
  rawId: 'Y3JlZA',
  type: 'public-key',
  response: { clientDataJSON: 'e30', attestationObject: 'oA' },
  clientExtensionResults: {},
} as const;

const OVERVIEW = { factors: [], devices: [], recoveryCodes: { remaining: 10, createdAt: null }, authenticatedWith: null, freshUntil: null };
const REQUEST_VIEW = {
  id: 'r1',
  reference: 'K7MQ-4QX9',
  status: 'pending',
  createdAt: '2026-11-23T12:00:00.000Z',
  expiresAt: '2026-11-24T12:00:00.000Z',
  helpDeskContact: null,
} as const;

const GRANT: EmergencyGrantView = {
  id: 'g1',
  reference: 'K7MQ-4QX9',
  serviceAccount: 'svc.payments',
  owner: 'ada.new',
  reason: 'settlement job stuck since 02:00',
  minutes: 30,
  status: 'requested',
  requestedAt: '2026-11-23T12:00:00.000Z',
  expiresAt: '2026-11-23T14:00:00.000Z',
  decidedBy: null,
  decidedAt: null,
  decisionReason: null,
  activatedAt: null,
  endedAt: null,
  endedBy: null,
  uses: 0,
};

const APPROVAL_VIEW = {
  id: 'a1',
  status: 'pending',
  createdAt: '2026-11-23T12:00:00.000Z',
  expiresAt: '2026-11-23T12:05:00.000Z',
  serverTime: '2026-11-23T12:00:00.000Z',
} as const;

/** A valid payload for each call, so a refusal can only come from the sender check. */
const VALID_PAYLOAD: Record<IpcName, unknown> = {
  startSession: { code: GOOD_CODE },
  currentSession: undefined,
  registrationOptions: { factor: 'passkey' },
  verifyRegistration: { factor: 'passkey', response: RESPONSE },
  completeSession: undefined,
  endSession: undefined,
  takeLaunchCode: undefined,
  waitForLaunchCode: undefined,
  deviceKeyStatus: undefined,
  replaceDeviceKey: undefined,
  exportDiagnostics: undefined,
  recover: { method: 'recovery-code', username: 'ada.new', code: 'ABCD-EFGH-JKMN-P' },
  fileRecoveryRequest: { username: 'ada.new' },
  recoveryRequestStatus: undefined,
  authenticationOptions: { username: 'ada.new', purpose: 'replace' },
  securityOverview: undefined,
  renameFactor: { id: 'Y3JlZA', name: 'Work key' },
  removeFactor: { id: 'Y3JlZA' },
  removeDevice: { id: 'd1' },
  regenerateRecoveryCodes: undefined,
  stationStatus: undefined,
  registerStation: { code: 'STATION-CODE' },
  operatorOptions: { operator: 'grace.admin' },
  confirmNewHire: {
    newHire: 'ada.new',
    checks: ['photo_id'],
    response: {
      id: 'Y3JlZA',
      rawId: 'Y3JlZA',
      type: 'public-key',
      response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA' },
      clientExtensionResults: {},
    },
  },
  printRecoveryCodes: undefined,
  resetStation: undefined,
  operatorPinStatus: undefined,
  setOperatorPin: { pin: '246810' },
  verifyOperatorPin: { pin: '246810' },
  exitKiosk: undefined,
  fileApprovalRequest: { username: 'ada.new' },
  approvalRequestStatus: undefined,
  collectApproval: undefined,
  findApprovalRequest: { code: 'K7MQ-4QX9' },
  decideApprovalRequest: { decision: 'approve' },
  computerCapabilities: undefined,
  ceremonyPath: { ceremony: 'registration' },
  nativeAuthenticate: undefined,
  nativeRegister: { factor: 'security-key' },
  nativeKeyStatus: { after: 0 },
  nativeKeySubmitPin: { pin: '1234' },
  nativeKeySetPin: { pin: '1234' },
  nativeKeyCancel: undefined,
  reportStepTimings: { sessionId: 's1', timings: [{ step: 'code', ms: 1200 }] },
  myEmergencyAccess: undefined,
  requestEmergencyAccess: { serviceAccount: 'svc.payments', reason: 'settlement job stuck since 02:00', minutes: 30 },
  activateEmergencyAccess: { id: 'g1' },
  endEmergencyAccess: { id: 'g1' },
  authenticate: {
    response: {
      id: 'Y3JlZA',
      rawId: 'Y3JlZA',
      type: 'public-key',
      response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA' },
      clientExtensionResults: {},
    },
  },
};

/** Our own stand-in for the handler callbacks: records what reaches it, and can be told to throw. */
function recordingHandlers(fail?: () => never) {
  const calls: { name: IpcName; request: unknown }[] = [];
  const record = (name: IpcName, request: unknown) => {
    calls.push({ name, request });
    if (fail) fail();
  };
  const handlers: Handlers = {
    startSession: async (request) => (record('startSession', request), SESSION),
    currentSession: async (request) => (record('currentSession', request), SESSION),
    registrationOptions: async (request) => (record('registrationOptions', request), OPTIONS),
    verifyRegistration: async (request) => (record('verifyRegistration', request), CREDENTIAL),
    completeSession: async (request) => (record('completeSession', request), COMPLETE),
    endSession: async (request) => (record('endSession', request), null),
    takeLaunchCode: async (request) => (record('takeLaunchCode', request), 'ABCD-EFGH'),
    waitForLaunchCode: async (request) => (record('waitForLaunchCode', request), true),
    deviceKeyStatus: async (request) => (record('deviceKeyStatus', request), 'ready'),
    replaceDeviceKey: async (request) => (record('replaceDeviceKey', request), 'ready'),
    exportDiagnostics: async (request) => (record('exportDiagnostics', request), { saved: true }),
    recover: async (request) => (record('recover', request), SESSION),
    fileRecoveryRequest: async (request) => (record('fileRecoveryRequest', request), REQUEST_VIEW),
    recoveryRequestStatus: async (request) => (record('recoveryRequestStatus', request), REQUEST_VIEW),
    authenticationOptions: async (request) => (record('authenticationOptions', request), { challenge: 'Y2hhbGxlbmdl' }),
    authenticate: async (request) => (record('authenticate', request), SESSION),
    securityOverview: async (request) => (record('securityOverview', request), OVERVIEW),
    renameFactor: async (request) => (
      record('renameFactor', request),
      { ...CREDENTIAL, name: 'Work key', lastUsedAt: null, deviceId: null }
    ),
    removeFactor: async (request) => (record('removeFactor', request), null),
    removeDevice: async (request) => (record('removeDevice', request), null),
    regenerateRecoveryCodes: async (request) => (
      record('regenerateRecoveryCodes', request),
      { recoveryCodes: [], createdAt: '2026-11-23T12:00:00.000Z' }
    ),
    stationStatus: async (request) => (record('stationStatus', request), { kiosk: false }),
    registerStation: async (request) => (record('registerStation', request), { kiosk: false }),
    operatorOptions: async (request) => (record('operatorOptions', request), { challenge: 'Y2hhbGxlbmdl' }),
    confirmNewHire: async (request) => (
      record('confirmNewHire', request),
      {
        newHire: SESSION.user,
        operator: { username: 'grace.admin', displayName: 'Grace Hopper' },
        checks: ['photo_id'],
        confirmedAt: '2026-11-23T12:00:00.000Z',
        expiresAt: '2026-11-23T12:15:00.000Z',
      }
    ),
    printRecoveryCodes: async (request) => (record('printRecoveryCodes', request), { printed: true }),
    resetStation: async (request) => (record('resetStation', request), null),
    operatorPinStatus: async (request) => (record('operatorPinStatus', request), { set: true }),
    setOperatorPin: async (request) => (record('setOperatorPin', request), null),
    verifyOperatorPin: async (request) => (record('verifyOperatorPin', request), { ok: true }),
    exitKiosk: async (request) => (record('exitKiosk', request), null),
    computerCapabilities: async (request) => (record('computerCapabilities', request), null),
    ceremonyPath: async (request) => (record('ceremonyPath', request), 'os'),
    nativeRegister: async (request) => (record('nativeRegister', request), CREDENTIAL),
    nativeAuthenticate: async (request) => (
      record('nativeAuthenticate', request),
      {
        id: 'Y3JlZA',
        rawId: 'Y3JlZA',
        type: 'public-key',
        response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA' },
        clientExtensionResults: {},
      }
    ),
    nativeKeyStatus: async (request) => (record('nativeKeyStatus', request), { seq: 1, state: 'idle' }),
    nativeKeySubmitPin: async (request) => (record('nativeKeySubmitPin', request), null),
    nativeKeySetPin: async (request) => (record('nativeKeySetPin', request), null),
    nativeKeyCancel: async (request) => (record('nativeKeyCancel', request), null),
    reportStepTimings: async (request) => (record('reportStepTimings', request), null),
    fileApprovalRequest: async (request) => (record('fileApprovalRequest', request), { ...APPROVAL_VIEW, code: 'K7MQ-4QX9' }),
    approvalRequestStatus: async (request) => (record('approvalRequestStatus', request), APPROVAL_VIEW),
    collectApproval: async (request) => (record('collectApproval', request), SESSION),
    findApprovalRequest: async (request) => (
      record('findApprovalRequest', request),
      {
        id: 'a1',
        device: { name: 'new laptop', platform: 'linux', osVersion: 'Debian 13' },
        createdAt: APPROVAL_VIEW.createdAt,
        expiresAt: APPROVAL_VIEW.expiresAt,
      }
    ),
    decideApprovalRequest: async (request) => (record('decideApprovalRequest', request), { id: 'a1', status: 'approved' }),
    myEmergencyAccess: async (request) => (
      record('myEmergencyAccess', request),
      { serviceAccounts: [], grants: [GRANT], maxMinutes: 60, defaultMinutes: 60 }
    ),
    requestEmergencyAccess: async (request) => (record('requestEmergencyAccess', request), GRANT),
    activateEmergencyAccess: async (request) => (
      record('activateEmergencyAccess', request),
      { grant: { ...GRANT, status: 'active' }, token: 'fke_g1_c2VjcmV0', expiresAt: '2026-11-23T12:30:00.000Z' }
    ),
    endEmergencyAccess: async (request) => (record('endEmergencyAccess', request), { ...GRANT, status: 'ended' }),
  };
  return { handlers, calls };
}

const fromApp = (name: IpcName, payload: unknown): DispatchCall => ({ senderUrl: `${ORIGIN}/`, isMainFrame: true, name, payload });

function expectFailure<T>(result: IpcResult<T>, code: string): string {
  expect(result).toEqual({ ok: false, error: { code, message: expect.any(String) as string } });
  return result.ok ? '' : result.error.message;
}

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
