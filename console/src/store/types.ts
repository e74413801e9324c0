import type { StateCreator } from 'zustand';
import type {
  MoveView,
  SetRoleBody,
  Agent,
  ChecklistItem,
  FunnelReport,
  HelpdeskRequestView,
  IssueCodeResponse,
  PersonView,
  RecoveryApprovalResponse,
} from '../api/types';
import type { BreakGlassSlice } from './break-glass-slice';
import type { EmergencySlice } from './emergency-slice';

/** Why the agent is back on the sign-in screen; null on first arrival. */
export type SessionEnd = 'expired' | 'idle' | 'signedOut' | null;

/** A failed call, as an i18n key the screen shows (errors.<code>). */
export type Failure = { code: string } | null;

export type View = 'queue' | 'request' | 'codes' | 'people' | 'funnel' | 'emergency' | 'breakGlass';

export interface SessionSlice {
  agent: Agent | null;
  token: string | null;
  expiresAt: number;
  idleEndsAt: number;
  /** How long the server lets a session sit unused; each call starts it again. */
  idleSpanMs: number;
  ended: SessionEnd;
  signingIn: boolean;
  signInFailure: Failure;
  signIn: (username: string) => Promise<void>;
  signOut: () => Promise<void>;
  /** The session is over (the clock, or the server said so): forget everything and go to sign-in. */
  endSession: (why: Exclude<SessionEnd, null>) => void;
  can: (permission: string) => boolean;
}

export interface NavigationSlice {
  view: View;
  requestId: string | null;
  go: (view: View) => void;
  openRequest: (id: string) => void;
}

export interface QueueSlice {
  requests: HelpdeskRequestView[];
  checklist: ChecklistItem[];
  queueLoading: boolean;
  queueFailure: Failure;
  loadQueue: () => Promise<void>;
  decision: RecoveryApprovalResponse | null;
  decisionFailure: Failure;
  deciding: boolean;
  approve: (request: HelpdeskRequestView, reason: string, checklist: string[]) => Promise<void>;
  deny: (request: HelpdeskRequestView, reason: string, checklist: string[]) => Promise<void>;
}

export interface CodesSlice {
  issued: (IssueCodeResponse & { username: string }) | null;
  codeFailure: Failure;
  issuing: boolean;
  issueCode: (username: string) => Promise<void>;
  forgetCode: () => void;
}

export interface PeopleSlice {
  person: PersonView | null;
  personFailure: Failure;
  lookingUp: boolean;
  lookUp: (username: string) => Promise<void>;
  revokeFailure: Failure;
  revokeFactor: (id: string, reason: string) => Promise<boolean>;
  revokeDevice: (id: string, reason: string) => Promise<boolean>;
}

export interface FunnelSlice {
  funnel: FunnelReport | null;
  funnelFailure: Failure;
  loadFunnel: (since: string) => Promise<void>;
}

/** A mover: the last role change's outcome for the person on screen. */
export interface MoversSlice {
  move: MoveView | null;
  moveFailure: Failure;
  changeRole: (username: string, body: SetRoleBody) => Promise<boolean>;
}

export type ConsoleState = SessionSlice &
  NavigationSlice &
  QueueSlice &
  CodesSlice &
  PeopleSlice &
  FunnelSlice &
  EmergencySlice &
  MoversSlice &
  BreakGlassSlice;

export interface StoreDeps {
  now: () => number;
  /** @simplewebauthn/browser's startAuthentication, or a test's stand-in. */
  authenticate: (options: unknown) => Promise<unknown>;
}

export type Slice<T> = (deps: StoreDeps) => StateCreator<ConsoleState, [], [], T>;
