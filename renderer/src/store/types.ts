import type { CompleteResponse, FactorKind, SessionView } from '../../../api/enrolment';
import type { FirstKeyBridge, IpcFailure } from '../../../api/ipc';
import type { CreationOptionsJSON, RegistrationResponseJSON } from '../../../api/webauthn';

export type Step = 'code' | 'confirm' | 'choose' | 'ceremony' | 'codes' | 'done';

/** An i18n key and whether it is bad news (alert) or information (status). */
export interface Notice {
  tone: 'error' | 'info';
  key: string;
}

export interface StoreDeps {
  bridge: FirstKeyBridge;
  register: (options: CreationOptionsJSON) => Promise<RegistrationResponseJSON>;
  cancelCeremony: () => void;
  platformAuthenticatorAvailable: () => Promise<boolean>;
  now: () => number;
}

export interface SessionSlice {
  step: Step;
  session: SessionView | null;
  /** Server clock minus ours, so time left is the server's and not this machine's. */
  clockOffsetMs: number;
  notice: Notice | null;
  busy: boolean;
  launchCode: string | null;
  loadLaunchCode: () => Promise<void>;
  submitCode: (code: string) => Promise<void>;
  confirmIdentity: () => void;
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
  cancel: () => void;
  /** The person says they kept their recovery codes: only then is the enrolment done. */
  acknowledgeCodes: () => void;
}

export type AppState = SessionSlice & CeremonySlice;
