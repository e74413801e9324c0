import { z } from 'zod';
import { Username } from './admin.js';
import { ApiErrorCode } from './errors.js';
import {
  CompleteRequest,
  type CompleteResponse,
  CreateSessionRequest,
  type CredentialView,
  RegistrationOptionsRequest,
  RegistrationRequest,
  type SessionView,
} from './enrolment.js';
import { FileRecoveryInput, type RecoveryRequestView } from './recovery.js';
import {
  AuthenticationOptionsRequest,
  RenameRequest,
  type FactorView,
  type RecoveryCodesResponse,
  type SecurityOverview,
} from './security.js';
import { AuthenticationResponseJSON, type CreationOptionsJSON, type RequestOptionsJSON } from './webauthn.js';
import { IPC_CHANNELS, type IpcName } from './ipc-channels.js';

/**
 * The one contract between the sandboxed renderer and the main process: each
 * call's payload schema (checked in main) and result type. The preload exposes
 * exactly these functions and nothing else.
 */
/**
 * Recovery as the renderer asks for it. For the help-desk path main supplies the
 * request id it kept when the request was filed: the code only works with it,
 * from this device.
 */
export const RecoverRequest = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('recovery-code'), username: Username, code: z.string().trim().min(1).max(64) }),
  // Strict: the request id is main's to supply, so a page that sends one is refused, not ignored.
  z.strictObject({ method: z.literal('helpdesk'), code: z.string().trim().min(1).max(64) }),
]);
export type RecoverRequest = z.infer<typeof RecoverRequest>;

/** The ceremony id stays in main; the renderer hands back only the assertion. */
export const AuthenticateRequest = z.object({ response: AuthenticationResponseJSON });

/** Factors and devices are named by their ids; a factor id is a credential id (base64url). */
const ItemId = z.object({ id: z.string().min(1).max(1024) });
export const RenameFactorRequest = ItemId.extend(RenameRequest.shape);

/**
 * Whether this computer's device key can be used. `device_key_lost`: the app
 * recorded a key that the OS keychain no longer holds (see
 * electron/main/device/device-key.ts); only then may the renderer ask for a new one.
 */
export const DeviceKeyStatus = z.enum(['ready', 'keychain_unavailable', 'device_key_corrupt', 'device_key_lost']);
export type DeviceKeyStatus = z.infer<typeof DeviceKeyStatus>;

/** What became of an "Export diagnostics" request: false when the person closed the save dialog. */
export interface DiagnosticsExport {
  saved: boolean;
}

export const ipcRequests = {
  startSession: CreateSessionRequest,
  currentSession: z.undefined(),
  registrationOptions: RegistrationOptionsRequest,
  verifyRegistration: RegistrationRequest,
  completeSession: CompleteRequest.optional(),
  endSession: z.undefined(),
  takeLaunchCode: z.undefined(),
  waitForLaunchCode: z.undefined(),
  deviceKeyStatus: z.undefined(),
  replaceDeviceKey: z.undefined(),
  exportDiagnostics: z.undefined(),
  recover: RecoverRequest,
  fileRecoveryRequest: FileRecoveryInput,
  recoveryRequestStatus: z.undefined(),
  authenticationOptions: AuthenticationOptionsRequest,
  authenticate: AuthenticateRequest,
  securityOverview: z.undefined(),
  renameFactor: RenameFactorRequest,
  removeFactor: ItemId,
  removeDevice: ItemId,
  regenerateRecoveryCodes: z.undefined(),
} as const satisfies Record<IpcName, z.ZodType>;

export { IPC_CHANNELS, type IpcName };

export interface IpcResults {
  startSession: SessionView;
  currentSession: SessionView | null;
  registrationOptions: CreationOptionsJSON;
  verifyRegistration: CredentialView;
  completeSession: CompleteResponse;
  endSession: null;
  takeLaunchCode: string | null;
  /**
   * Resolves true when a `firstkey://` link brought a code (then take it with
   * takeLaunchCode), false when a newer wait replaced this one. A pending call,
   * not an event: the preload only ever invokes.
   */
  waitForLaunchCode: boolean;
  deviceKeyStatus: DeviceKeyStatus;
  replaceDeviceKey: DeviceKeyStatus;
  exportDiagnostics: DiagnosticsExport;
  recover: SessionView;
  fileRecoveryRequest: RecoveryRequestView;
  recoveryRequestStatus: RecoveryRequestView | null;
  authenticationOptions: RequestOptionsJSON;
  authenticate: SessionView;
  securityOverview: SecurityOverview;
  renameFactor: FactorView;
  removeFactor: null;
  removeDevice: null;
  regenerateRecoveryCodes: RecoveryCodesResponse;
}

/** Failures the app itself adds to the server's: the server was unreachable, or the call was malformed. */
export const IpcErrorCode = z.union([
  ApiErrorCode,
  z.enum(['network', 'no_session', 'bad_payload', 'forbidden_sender', 'bad_response', 'keychain_unavailable', 'device_key_lost']),
]);
export type IpcErrorCode = z.infer<typeof IpcErrorCode>;

/** `retryAfterSeconds`: the server asked this device to wait (429 `rate_limited`) before trying again. */
export type IpcFailure = { ok: false; error: { code: IpcErrorCode; message: string; retryAfterSeconds?: number } };
export type IpcResult<T> = { ok: true; value: T } | IpcFailure;

export type IpcRequest<N extends IpcName> = z.input<(typeof ipcRequests)[N]>;

/** The shape of `window.firstkey` as the preload exposes it. */
export type FirstKeyBridge = {
  [N in IpcName]: undefined extends IpcRequest<N>
    ? (request?: IpcRequest<N>) => Promise<IpcResult<IpcResults[N]>>
    : (request: IpcRequest<N>) => Promise<IpcResult<IpcResults[N]>>;
};
