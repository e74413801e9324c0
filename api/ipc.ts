import { z } from 'zod';
import { ApiErrorCode } from './errors.js';
import {
  CompleteResponse,
  CreateSessionRequest,
  CredentialView,
  RegistrationOptionsRequest,
  RegistrationRequest,
  SessionView,
} from './enrolment.js';
import type { CreationOptionsJSON } from './webauthn.js';

/**
 * The one contract between the sandboxed renderer and the main process.
 * Each channel names its payload schema (checked in main) and its result type.
 * The preload exposes exactly these functions and nothing else.
 */
export const ipcChannels = {
  startSession: { channel: 'firstkey:session:start', request: CreateSessionRequest },
  currentSession: { channel: 'firstkey:session:current', request: z.undefined() },
  registrationOptions: { channel: 'firstkey:registration:options', request: RegistrationOptionsRequest },
  verifyRegistration: { channel: 'firstkey:registration:verify', request: RegistrationRequest },
  completeSession: { channel: 'firstkey:session:complete', request: z.undefined() },
  endSession: { channel: 'firstkey:session:end', request: z.undefined() },
  takeLaunchCode: { channel: 'firstkey:link:take', request: z.undefined() },
} as const;

export type IpcName = keyof typeof ipcChannels;

export interface IpcResults {
  startSession: SessionView;
  currentSession: SessionView | null;
  registrationOptions: CreationOptionsJSON;
  verifyRegistration: CredentialView;
  completeSession: CompleteResponse;
  endSession: null;
  takeLaunchCode: string | null;
}

/** Failures the app itself adds to the server's: the server was unreachable, or the call was malformed. */
export const IpcErrorCode = z.union([
  ApiErrorCode,
  z.enum(['network', 'no_session', 'bad_payload', 'forbidden_sender', 'bad_response']),
]);
export type IpcErrorCode = z.infer<typeof IpcErrorCode>;

export type IpcFailure = { ok: false; error: { code: IpcErrorCode; message: string } };
export type IpcResult<T> = { ok: true; value: T } | IpcFailure;

export type IpcRequest<N extends IpcName> = z.input<(typeof ipcChannels)[N]['request']>;

/** The shape of `window.firstkey` as the preload exposes it. */
export type FirstKeyBridge = {
  [N in IpcName]: IpcRequest<N> extends undefined
    ? () => Promise<IpcResult<IpcResults[N]>>
    : (request: IpcRequest<N>) => Promise<IpcResult<IpcResults[N]>>;
};
