import type { CompleteResponse, CredentialView, FactorKind, SessionDeadlines, SessionPurpose, SessionView } from '../../../api/enrolment';
import type { FirstKeyBridge, IpcFailure, IpcResult, KioskConfirmation, KioskStationState } from '../../../api/ipc';
import type { ComputerCapabilities, NativeKeyStatus } from '../../../api/native-key';
import type { ApprovalCandidate, ApprovalDecision, ApprovalOutcome, FiledApproval } from '../../../api/device-approval';
import type { OperatorCheck } from '../../../api/kiosk';
import type { HelpdeskRequestState } from '../../../api/recovery';
import type { AuthenticationPurpose, SecurityOverview } from '../../../api/security';
import type { AuthenticationResponseJSON, CreationOptionsJSON, RegistrationResponseJSON, RequestOptionsJSON } from '../../../api/webauthn';
import type { PostureRefusal } from '../../../api/posture';
import type { ActivatedEmergencyAccess, MyEmergencyAccess, RequestEmergencyAccess } from '../../../api/operations/emergency-access';

/** `recover`, `helpdesk` and `signin` are the ways back for someone who lost, or still has, a key. */
export type Step =
  | 'code'
  | 'recover'
  | 'helpdesk'
  | 'signin'
  | 'security'
  | 'confirm'
  | 'ceremony'
  | 'codes'
  | 'done'
  /** This computer's device key is gone from the keychain: say so, and offer the ways back. */
  | 'keyLost'
  /** Kiosk: the station is not registered, revoked, or cannot reach the server: it serves nobody. */
  | 'station'
  /** Kiosk: the operator confirms the next new hire with their own security key (the station's start screen). */
  | 'operator'
  /** Kiosk: whose turn it is; the new hire enters their code. */
  | 'turn'
  /** Kiosk: the operator's PIN, then the station's health, the PIN change and the way out of kiosk mode. */
  | 'operatorPanel'
  /** main could not say whether this is a station: a station error, never the personal app. */
  | 'stationError'
  /** A new computer asks to be approved from the person's old one, which still has their passkey. */
  | 'newComputer';

/** An i18n key and whether it is bad news (alert) or information (status). */
export interface Notice {
  tone: 'error' | 'info';
  key: string;
  /** Values the text interpolates (i18next), e.g. `count` for a wait. */
  values?: Record<string, number>;
  /** With device_posture_insufficient: what this computer lacks, shown with how to fix it (PostureRefusal). */
  posture?: PostureRefusal;
}

export interface StoreDeps {
  bridge: FirstKeyBridge;
  register: (options: CreationOptionsJSON) => Promise<RegistrationResponseJSON>;
  authenticate: (options: RequestOptionsJSON) => Promise<AuthenticationResponseJSON>;
  cancelCeremony: () => void;
  platformAuthenticatorAvailable: () => Promise<boolean>;
  now: () => number;
}

export interface SessionSlice {
  step: Step;
  session: SessionView | null;
  /** Server clock minus ours, so time left is the server's and not this machine's. */
  clockOffsetMs: number;
  /** The session's two ends as the latest answer gave them: what the timer counts to (the earlier one). */
  deadlines: SessionDeadlines | null;
  /** A call's answer carried fresh deadlines (store/deadline-watch.ts). */
  deadlinesHeard: (deadlines: SessionDeadlines) => void;
  /** The timer reached zero: the app ends the session on the server and returns to the start, saying what still works. */
  timedOut: () => Promise<void>;
  notice: Notice | null;
  busy: boolean;
  launchCode: string | null;
  loadLaunchCode: () => Promise<void>;
  submitCode: (code: string) => Promise<void>;
  rejectIdentity: () => Promise<void>;
  /** The session is over on the server's side: back to the start, with the reason shown. */
  sessionLost: (failure: IpcFailure) => void;
  startOver: () => Promise<void>;
}

export type CeremonyPhase = 'idle' | 'preparing' | 'waiting' | 'verifying' | 'failed';

export interface CeremonySlice {
  factor: FactorKind | null;
  phase: CeremonyPhase;
  platformAvailable: boolean | null;
  result: CompleteResponse | null;
  checkPlatform: () => Promise<void>;
  chooseFactor: (factor: FactorKind) => void;
  backToChoice: () => void;
  runCeremony: () => Promise<void>;
  /** Completes the session again without a new key (after a refusal that a key would not fix). */
  finish: () => Promise<void>;
  cancel: () => void;
  /** The person's own name for the next key they make, kept with whose it is; null: keep the default. */
  keyName: { username: string; value: string } | null;
  setKeyName: (value: string | null) => void;
  /** Recovery codes to show once (after a first enrolment, a recovery or a regeneration), and where to go after. */
  recoveryCodes: string[] | null;
  afterCodes: 'done' | 'security';
  /** The person says they kept their recovery codes: only then do they go on. */
  acknowledgeCodes: () => void;
}

export interface AccessSlice {
  /** What the session that just completed was for, so the last screen can say what happened. */
  completedPurpose: SessionPurpose | null;
  helpdeskRequest: HelpdeskRequestState | null;
  /** What signing in with an existing key is for: adding a factor here, or managing factors. */
  signinPurpose: AuthenticationPurpose;
  goTo: (step: 'code' | 'recover' | 'helpdesk' | 'signin', purpose?: AuthenticationPurpose) => void;
  recoverWithCode: (username: string, code: string) => Promise<void>;
  fileHelpdeskRequest: (username: string) => Promise<void>;
  refreshHelpdeskRequest: () => Promise<void>;
  recoverWithHelpdeskCode: (code: string) => Promise<void>;
  /** The request shown is over (denied, lapsed, used, locked): back to the form to file a new one. */
  fileAnotherHelpdeskRequest: () => void;
  /** Proves the person holds an existing factor, opening a `replace` session. */
  signInWithKey: (username: string) => Promise<void>;
  cancelSignIn: () => void;
  /** From the last screen of an enrolment: the key just made confirms it is them, then a spare security key is registered. */
  addBackupKey: () => Promise<void>;
  /** Moves the security key used to sign in to this computer; nothing new is registered. */
  rebindHere: () => Promise<void>;
}

export interface SecuritySlice {
  overview: SecurityOverview | null;
  loadOverview: () => Promise<void>;
  renameFactor: (id: string, name: string) => Promise<boolean>;
  removeFactor: (id: string) => Promise<void>;
  removeDevice: (id: string) => Promise<void>;
  regenerateCodes: () => Promise<void>;
  finishManaging: () => Promise<void>;
  /** "Add a key": the factor choice and the ceremony, inside this manage session (the server wants it fresh). */
  addKey: () => void;
  backToSecurity: () => void;
}

export interface DeviceSlice {
  /** A code from a link that arrived while something was in progress: the person decides whether to drop it. */
  pendingLink: string | null;
  /** The keychain cannot hold this computer's key (found at start): nothing that needs the key is offered until it can. */
  keychainProblem: 'keychain_unavailable' | 'device_key_corrupt' | null;
  /** At start (and on "Try again"): a lost device key or an unusable keychain is shown at once, not at the first call. */
  checkDeviceKey: () => Promise<void>;
  deviceKeyLost: () => void;
  /** The person chose a way back: main makes the new device key, then that way opens. */
  replaceKeyAndGo: (next: 'code' | 'recover' | 'signin') => Promise<void>;
  receiveLink: (code: string) => void;
  acceptPendingLink: () => Promise<void>;
  keepCurrentWork: () => void;
  /** The help desk's diagnostics file: main collects it and asks where to save it. */
  exportDiagnostics: () => Promise<'saved' | 'cancelled' | 'failed'>;
  /** Waits for links main receives while the window is open; returns the function that stops waiting. */
  watchLinks: () => () => void;
}

export interface KioskSlice {
  /** What main says this window is; null until asked. Kiosk mode comes from managed configuration, never from the page. */
  station: KioskStationState | null;
  /** True on a kiosk station: security keys only, nothing kept, the operator step first. */
  kiosk: boolean;
  confirmation: KioskConfirmation | null;
  /** Whether the station has an operator PIN (asked when the operator panel opens). */
  pinSet: boolean | null;
  /** The operator's PIN was accepted: the panel shows health, PIN change and exit. */
  operatorUnlocked: boolean;
  /** Asks main whether this is a kiosk station and how it is; a kiosk starts on its station or operator screen. */
  loadStation: () => Promise<void>;
  registerStation: (code: string) => Promise<void>;
  /** The station's device key was lost from the keychain: main makes a new one, to be registered with a new station code. */
  replaceStationKey: () => Promise<void>;
  /** The operator's own security key confirms that they checked this new hire in person. */
  confirmNewHire: (operator: string, newHire: string, checks: OperatorCheck[]) => Promise<void>;
  printCodes: () => Promise<'printed' | 'not_printed' | 'failed'>;
  /** Everything of the person goes: main ends the session, then clears and reloads the window. */
  resetStation: () => Promise<void>;
  openOperatorPanel: () => Promise<void>;
  unlockOperator: (pin: string) => Promise<void>;
  setOperatorPin: (pin: string) => Promise<boolean>;
  exitKiosk: () => Promise<void>;
}

/** Device-to-device approval: the new computer asks and shows a code; the old one, in My security, approves it. */
export interface ApprovalSlice {
  /** The new computer's request and the code to read out; null until asked. */
  approvalRequest: FiledApproval | null;
  /** A check of the request is under way (the screen says so). */
  approvalChecking: boolean;
  /** When the request was last checked (this computer's clock), for "checked at". */
  approvalCheckedAt: number | null;
  /**
   * The session an approval opened here: a replace session that no key opened, so there is no key
   * to move to this computer (ConfirmIdentity leaves out "Keep using your security key?" for it).
   */
  approvalSessionId: string | null;
  openNewComputer: () => void;
  askForApproval: (username: string) => Promise<void>;
  /** Asks the server how the request stands; once approved, opens the session and goes on to the factor. */
  checkApproval: () => Promise<void>;
  /** The old computer: the computer that asked with the code typed here, awaiting "Is this your new computer?". */
  approvalCandidate: ApprovalCandidate | null;
  approvalDecided: ApprovalOutcome['status'] | null;
  findApproval: (code: string) => Promise<void>;
  decideApproval: (decision: ApprovalDecision) => Promise<void>;
  resetApproval: () => void;
}

/** FirstKey's own security-key ceremony (main's CTAP2 path where the OS cannot ask for a PIN). */
export interface NativeKeySlice {
  /** What main says this computer can do; null until asked, or when main cannot tell. */
  computer: ComputerCapabilities | null;
  /** main's ceremony as the page follows it; null when none runs (the OS path, or between ceremonies). */
  nativeKey: NativeKeyStatus | null;
  /** A PIN was sent and main has not moved on yet. */
  nativeKeyBusy: boolean;
  loadComputer: () => Promise<void>;
  /** main's ceremony for the options it holds, then the server's verification (as verifyRegistration answers). */
  registerWithNativeKey: (named: { name?: string }) => Promise<IpcResult<CredentialView>>;
  /** main's ceremony for the assertion options it holds: the assertion, as the browser's would be. */
  assertWithNativeKey: () => Promise<IpcResult<AuthenticationResponseJSON>>;
  submitKeyPin: (pin: string) => Promise<void>;
  setKeyPin: (pin: string) => Promise<void>;
  cancelNativeKey: () => void;
}

/** My security, "Act for a service account": the owner's emergency-access grants (api/operations/emergency-access.ts). */
export interface EmergencySlice {
  /** What the server says this person owns and asked for; null until loaded, or when it could not be. */
  emergency: MyEmergencyAccess | null;
  /** A call about emergency access is under way: its buttons wait, the rest of My security does not. */
  emergencyBusy: boolean;
  /** What went wrong with the last of these calls, shown in the section itself (it sits far below the banner). */
  emergencyNotice: Notice | null;
  /** What the last call did, said in the section (requested, ended). */
  emergencyDone: 'requested' | 'ended' | null;
  /** When the grants were last fetched (this computer's clock), for "Checked at". */
  emergencyCheckedAt: number | null;
  /** The token just collected: shown once, forgotten when My security is left. */
  emergencyToken: ActivatedEmergencyAccess | null;
  loadEmergency: () => Promise<void>;
  /** True when the request was filed (the form then starts over). */
  requestEmergency: (request: RequestEmergencyAccess) => Promise<boolean>;
  activateEmergency: (id: string) => Promise<void>;
  endEmergency: (id: string) => Promise<void>;
  /**
   * After `reauth_required`: the person confirms with their key as for "Manage my sign-in keys" (a fresh manage
   * session), and what was refused (asking, starting) is done again.
   */
  confirmEmergencyWithKey: () => Promise<void>;
  forgetEmergency: () => void;
}

export type AppState = SessionSlice &
  CeremonySlice &
  AccessSlice &
  SecuritySlice &
  DeviceSlice &
  KioskSlice &
  ApprovalSlice &
  NativeKeySlice &
  EmergencySlice;
