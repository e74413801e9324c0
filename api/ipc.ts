import { z } from 'zod';
import { Username } from './admin.js';
import { ApiErrorCode, type TriesLeft } from './errors.js';
import type { PostureRefusal } from './posture.js';
import {
  CompleteRequest,
  type CompleteResponse,
  CreateSessionRequest,
  type CredentialView,
  RegistrationOptionsRequest,
  RegistrationRequest,
  type SessionDeadlines,
  type SessionView,
} from './enrolment.js';
import {
  type ApprovalCandidate,
  ApprovalCode,
  ApprovalDecision,
  type ApprovalOutcome,
  type ApprovalRequestView,
  FileApprovalInput,
  type FiledApproval,
} from './device-approval.js';
import { OperatorCheck, type ConfirmationView, type StationStatus } from './kiosk.js';
import { FileRecoveryInput, type HelpdeskRequestState } from './recovery.js';
import {
  AuthenticationOptionsRequest,
  RenameFactorBody,
  type FactorView,
  type RecoveryCodesResponse,
  type SecurityOverview,
} from './security.js';
import { AuthenticationResponseJSON, type CreationOptionsJSON, type RequestOptionsJSON } from './webauthn.js';
import { IPC_CHANNELS, type IpcName } from './ipc-channels.js';
import { StepTimings } from './friction.js';
import {
  type ActivatedEmergencyAccess,
  EmergencyGrantParams,
  type EmergencyGrantView,
  type MyEmergencyAccess,
  RequestEmergencyAccess,
} from './operations/emergency-access.js';
import {
  CeremonyPathRequest,
  type ComputerCapabilities,
  NativeKeyPinRequest,
  type NativeKeyStatus,
  NativeKeyStatusRequest,
  NativeRegisterRequest,
} from './native-key.js';

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
export const RenameFactorRequest = ItemId.extend(RenameFactorBody.shape);

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

/**
 * A kiosk onboarding station. The station code is typed once by the operator who sets the
 * station up; the operator's PIN guards leaving kiosk mode and the station's settings.
 */
export const StationCodeRequest = z.strictObject({ code: z.string().trim().min(1).max(64) });
export const OperatorOptionsRequest = z.strictObject({ operator: Username });
/** The ceremony id stays in main, as for signing in: the renderer hands back the operator's assertion. */
export const ConfirmNewHireRequest = z.strictObject({
  response: AuthenticationResponseJSON,
  newHire: Username,
  checks: z
    .array(OperatorCheck)
    .min(1)
    .max(OperatorCheck.options.length)
    .refine((checks) => new Set(checks).size === checks.length, 'each check once'),
});
/** Digits only, so a station's touch keypad is enough; six at least, so guessing runs into the attempt limit. */
export const OperatorPinRequest = z.strictObject({ pin: z.string().regex(/^[0-9]{6,32}$/, '6 to 32 digits') });

/**
 * Whether this window is a kiosk station, and the station's health for the operator. The renderer
 * learns kiosk mode only from this answer (managed configuration decides it in main), never from a URL.
 */
export type KioskStationState =
  | { kiosk: false }
  | {
      kiosk: true;
      /** `unknown`: the server could not be asked. */
      registration: 'registered' | 'unregistered' | 'revoked' | 'unknown';
      station: StationStatus | null;
      /** null: not asked, because without a usable device key nothing could be signed. */
      serverReachable: boolean | null;
      keychain: DeviceKeyStatus;
      /**
       * `choose`: no PIN yet, and the station was registered in this run of the app, so the operator who
       * typed IT's station code may choose it now. `missing`: no PIN and no such registration: the station
       * serves nobody until it is registered again with a new station code.
       */
      operatorPin: 'set' | 'choose' | 'missing';
    };

/** Whose turn it is: the server recorded that this operator confirmed this new hire on this station. */
export interface KioskConfirmation {
  newHire: ConfirmationView['newHire'];
  operator: ConfirmationView['operator'];
  checks: OperatorCheck[];
  /** When main received the server's record (the station's clock): shown as "confirmed at 10:02". */
  confirmedAt: string;
  expiresAt: string;
}

/**
 * The renderer's time per screen of one enrolment session, named by the session's id (main holds its
 * token): steps from a closed list and milliseconds, nothing the person typed.
 */
export const StepTimingsReport = z.strictObject({ sessionId: z.string().min(1).max(64), timings: StepTimings });

export type PinVerdict = { ok: true } | { ok: false; attemptsLeft: number; lockedUntil: string | null };

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
  stationStatus: z.undefined(),
  registerStation: StationCodeRequest,
  operatorOptions: OperatorOptionsRequest,
  confirmNewHire: ConfirmNewHireRequest,
  printRecoveryCodes: z.undefined(),
  resetStation: z.undefined(),
  operatorPinStatus: z.undefined(),
  setOperatorPin: OperatorPinRequest,
  verifyOperatorPin: OperatorPinRequest,
  exitKiosk: z.undefined(),
  fileApprovalRequest: FileApprovalInput,
  approvalRequestStatus: z.undefined(),
  collectApproval: z.undefined(),
  findApprovalRequest: z.strictObject({ code: ApprovalCode }),
  decideApprovalRequest: z.strictObject({ decision: ApprovalDecision }),
  computerCapabilities: z.undefined(),
  ceremonyPath: CeremonyPathRequest,
  nativeAuthenticate: z.undefined(),
  nativeRegister: NativeRegisterRequest,
  nativeKeyStatus: NativeKeyStatusRequest,
  nativeKeySubmitPin: NativeKeyPinRequest,
  nativeKeySetPin: NativeKeyPinRequest,
  nativeKeyCancel: z.undefined(),
  reportStepTimings: StepTimingsReport,
  myEmergencyAccess: z.undefined(),
  requestEmergencyAccess: RequestEmergencyAccess,
  // Strict: a grant is named by its id and nothing else rides along.
  activateEmergencyAccess: EmergencyGrantParams.strict(),
  endEmergencyAccess: EmergencyGrantParams.strict(),
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
  fileRecoveryRequest: HelpdeskRequestState;
  recoveryRequestStatus: HelpdeskRequestState | null;
  authenticationOptions: RequestOptionsJSON;
  authenticate: SessionView;
  securityOverview: SecurityOverview;
  renameFactor: FactorView;
  removeFactor: null;
  removeDevice: null;
  regenerateRecoveryCodes: RecoveryCodesResponse;
  stationStatus: KioskStationState;
  registerStation: KioskStationState;
  operatorOptions: RequestOptionsJSON;
  confirmNewHire: KioskConfirmation;
  /** The codes main kept from the completed session go to the station's printer; they never come back from it. */
  printRecoveryCodes: { printed: boolean };
  /** The server session ended first, then the window's storage is cleared and the start screen reloaded. */
  resetStation: null;
  operatorPinStatus: { set: boolean };
  setOperatorPin: null;
  verifyOperatorPin: PinVerdict;
  exitKiosk: null;
  /** The new computer: its request, with the code to show (main keeps the request's id for collecting). */
  fileApprovalRequest: FiledApproval;
  /** null when this window filed none. */
  approvalRequestStatus: ApprovalRequestView | null;
  /** The approved request becomes a `replace` session, held in main like any other. */
  collectApproval: SessionView;
  /** The old computer, in a manage session: the computer that asked with this code (main keeps its id for the decision). */
  findApprovalRequest: ApprovalCandidate;
  decideApprovalRequest: ApprovalOutcome;
  /** Asked once at start: which factors this computer can make, and who asks for a security key's PIN; null: main cannot tell (the page asks the browser alone). */
  computerCapabilities: ComputerCapabilities | null;
  /** For the options main last fetched: the page's navigator.credentials ('os') or main's CTAP2 client ('native'). */
  ceremonyPath: 'os' | 'native';
  /**
   * main's ceremony for the assertion options it last fetched (sign in with a key, an operator's key):
   * the assertion, which the page hands on as it would the browser's.
   */
  nativeAuthenticate: AuthenticationResponseJSON;
  /** The native ceremony for those options, then the server's verification: resolves as verifyRegistration does. */
  nativeRegister: CredentialView;
  /** A pending call, like waitForLaunchCode: resolves with the first state newer than `after`. */
  nativeKeyStatus: NativeKeyStatus;
  nativeKeySubmitPin: null;
  nativeKeySetPin: null;
  /** Stops the native ceremony (CTAPHID_CANCEL to a key that is waiting for a touch). */
  nativeKeyCancel: null;
  /** Sent, or refused by the server: either way the person is never told (friction metrics are not theirs to fix). */
  reportStepTimings: null;
  /** My security: the service accounts this person owns, their emergency-access grants and the policy's windows. */
  myEmergencyAccess: MyEmergencyAccess;
  requestEmergencyAccess: EmergencyGrantView;
  /**
   * The access token of an approved grant, for the page to show once: it acts for the service account, never
   * for this session (whose token stays in main). main hands it over and keeps nothing of it.
   */
  activateEmergencyAccess: ActivatedEmergencyAccess;
  /** Withdraws a request, or ends an approved or active grant early. */
  endEmergencyAccess: EmergencyGrantView;
}

/** Failures the app itself adds to the server's: the server was unreachable, or the call was malformed. */
export const IpcErrorCode = z.union([
  ApiErrorCode,
  z.enum(['network', 'no_session', 'bad_payload', 'forbidden_sender', 'bad_response', 'keychain_unavailable', 'device_key_lost']),
  /**
   * A kiosk call on a personal computer; an operator-only call without the operator's PIN; a PIN anyone
   * would guess; a person's ways back or self-service asked of a station, which serves first enrolments only.
   */
  z.enum(['not_a_kiosk', 'operator_unlock_required', 'pin_too_simple', 'kiosk_enrolment_only']),
  /**
   * A station with no operator PIN serves nobody; its first PIN needs a station code redeemed in this run;
   * a station ends any session the server did not open as a kiosk session for the confirmed new hire.
   */
  z.enum(['operator_pin_missing', 'fresh_registration_required', 'kiosk_session_refused']),
  /** FirstKey's own security-key ceremony ended without a credential (api/native-key.ts NativeKeyFailure, and the PIN's two blocks). */
  z.enum([
    'key_cancelled',
    'key_removed',
    'key_already_registered',
    'key_no_user_verification',
    'key_not_supported',
    'key_timeout',
    'key_wrong_origin',
    'key_not_registered',
    'key_error',
    'key_pin_blocked',
    'key_pin_auth_blocked',
  ]),
]);
export type IpcErrorCode = z.infer<typeof IpcErrorCode>;

/**
 * `retryAfterSeconds`: the server asked this device to wait (429 `rate_limited`) before trying again.
 * `tries`: a wrong code's tries left. `deadlines` (on every result, as on IpcResult): the held session's.
 */
export type IpcFailure = {
  ok: false;
  error: { code: IpcErrorCode; message: string; retryAfterSeconds?: number; tries?: TriesLeft; posture?: PostureRefusal };
  deadlines?: SessionDeadlines;
};
/** `deadlines`: present while main holds a session, as this call left it (the timer's refresh). */
export type IpcResult<T> = { ok: true; value: T; deadlines?: SessionDeadlines } | IpcFailure;

export type IpcRequest<N extends IpcName> = z.input<(typeof ipcRequests)[N]>;

/** The shape of `window.firstkey` as the preload exposes it. */
export type FirstKeyBridge = {
  [N in IpcName]: undefined extends IpcRequest<N>
    ? (request?: IpcRequest<N>) => Promise<IpcResult<IpcResults[N]>>
    : (request: IpcRequest<N>) => Promise<IpcResult<IpcResults[N]>>;
};
