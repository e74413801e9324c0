import { z } from 'zod';
import { ApiErrorCode } from './errors.js';
import {
  type CompleteResponse,
  CreateSessionRequest,
  type CredentialView,
  RegistrationOptionsRequest,
  RegistrationRequest,
  type SessionView,
} from './enrolment.js';
import type { CreationOptionsJSON } from './webauthn.js';
import { IPC_CHANNELS, type IpcName } from './ipc-channels.js';

/**
 * The one contract between the sandboxed renderer and the main process: each
 * call's payload schema (checked in main) and result type. The preload exposes
 * exactly these functions and nothing else.
 */
export const ipcRequests = {
  startSession: CreateSessionRequest,
  currentSession: z.undefined(),
  registrationOptions: RegistrationOptionsRequest,
  verifyRegistration: RegistrationRequest,
  completeSession: z.undefined(),
  endSession: z.undefined(),
  takeLaunchCode: z.undefined(),
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
}

/** Failures the app itself adds to the server's: the server was unreachable, or the call was malformed. */
export const IpcErrorCode = z.union([
  ApiErrorCode,
  z.enum(['network', 'no_session', 'bad_payload', 'forbidden_sender', 'bad_response', 'keychain_unavailable']),
]);
export type IpcErrorCode = z.infer<typeof IpcErrorCode>;

export type IpcFailure = { ok: false; error: { code: IpcErrorCode; message: string } };
export type IpcResult<T> = { ok: true; value: T } | IpcFailure;

export type IpcRequest<N extends IpcName> = z.input<(typeof ipcRequests)[N]>;

/** The shape of `window.firstkey` as the preload exposes it. */
export type FirstKeyBridge = {
  [N in IpcName]: IpcRequest<N> extends undefined
    ? () => Promise<IpcResult<IpcResults[N]>>
    : (request: IpcRequest<N>) => Promise<IpcResult<IpcResults[N]>>;
};
