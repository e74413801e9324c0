import { expect } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../../api/defaults.js';
import type { CompleteResponse, CredentialView, SessionView } from '../../../api/enrolment.js';
import { IPC_CHANNELS, type IpcName } from '../../../api/ipc-channels.js';
import type { IpcResult } from '../../../api/ipc.js';
import type { EmergencyGrantView } from '../../../api/operations/emergency-access.js';
import type { CreationOptionsJSON } from '../../../api/webauthn.js';
import type { Handlers } from '../../../electron/main/enrolment-controller.js';
import type { DispatchCall } from '../../../electron/main/ipc/dispatcher.js';

// The IPC dispatcher tests' fixtures: a valid payload and a recording handler for every channel.
export const ORIGIN = DEMO_ENROLMENT_ORIGIN;
export const NAMES = Object.keys(IPC_CHANNELS) as IpcName[];
export const GOOD_CODE = 'K7QD-4M2X-9ZPA-R3TB-VW8N-6HJC-Y5EF';

export const SESSION: SessionView = {
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
export const RESPONSE = {
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
export const VALID_PAYLOAD: Record<IpcName, unknown> = {
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
export function recordingHandlers(fail?: () => never) {
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

export const fromApp = (name: IpcName, payload: unknown): DispatchCall => ({ senderUrl: `${ORIGIN}/`, isMainFrame: true, name, payload });

export function expectFailure<T>(result: IpcResult<T>, code: string): string {
  expect(result).toEqual({ ok: false, error: { code, message: expect.any(String) as string } });
  return result.ok ? '' : result.error.message;
}
