import type { SessionDeadlines } from '../../../api/enrolment.js';
import { IpcErrorCode, ipcRequests, type IpcFailure, type IpcName, type IpcResult, type IpcResults } from '../../../api/ipc.js';
import { ApiClientError } from '../api-client.js';
import { DeviceKeyLostError } from '../device/device-key.js';
import type { Handlers } from '../enrolment-controller.js';

export interface DispatchCall {
  /** URL of the frame that sent the call; must be a top-level frame of our origin. */
  senderUrl: string;
  isMainFrame: boolean;
  name: IpcName;
  payload: unknown;
}

function failure(code: IpcErrorCode, message: string, retryAfterSeconds?: number): IpcFailure {
  return { ok: false, error: retryAfterSeconds === undefined ? { code, message } : { code, message, retryAfterSeconds } };
}

/** True when the device key being lost is what failed, however deep the wrapping. */
function causedByLostKey(error: unknown): boolean {
  for (let at: unknown = error, depth = 0; at instanceof Error && depth < 8; at = at.cause, depth += 1) {
    if (at instanceof DeviceKeyLostError) return true;
  }
  return false;
}

function failureOf(error: unknown): IpcFailure {
  // The signer fails as keychain_unavailable; a lost key needs its own guidance (a way back, not "unlock your keychain").
  if (causedByLostKey(error)) return failure('device_key_lost', "this computer's device key was lost");
  if (error instanceof ApiClientError) {
    const failed = failure(error.code, error.message, error.retryAfterSeconds);
    if (error.tries) failed.error.tries = error.tries;
    if (error.posture) failed.error.posture = error.posture;
    return failed;
  }
  return failure('internal', 'unexpected error in the app');
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/**
 * The single gate every IPC call passes: the sender must be our own origin in the
 * top frame, and the payload must parse with the contract's schema. Handlers then
 * run with typed input; any error becomes a typed failure (never a thrown Error,
 * which Electron would flatten to a string). With `sessionDeadlines` (the controller's), every answer
 * after the gate carries the held session's deadlines as the call left them, for the renderer's timer.
 */
export function createDispatcher(handlers: Handlers, allowedOrigin: string, sessionDeadlines: () => SessionDeadlines | null = () => null) {
  return async function dispatch(call: DispatchCall): Promise<IpcResult<IpcResults[IpcName]>> {
    if (!call.isMainFrame || originOf(call.senderUrl) !== allowedOrigin) {
      return failure('forbidden_sender', 'call refused: not from the enrolment window');
    }
    // The name comes from outside in tests and any future caller: only own contract keys, never Object.prototype's.
    if (!Object.hasOwn(ipcRequests, call.name)) return failure('bad_payload', 'no such call');
    const parsed = ipcRequests[call.name].safeParse(call.payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return failure('bad_payload', `${issue?.path.join('.') || 'payload'}: ${issue?.message ?? 'invalid'}`);
    }
    const withDeadlines = <R extends IpcResult<IpcResults[IpcName]>>(result: R): R => {
      const deadlines = sessionDeadlines();
      return deadlines ? { ...result, deadlines } : result;
    };
    try {
      const handler = handlers[call.name] as (request: unknown) => Promise<IpcResults[IpcName]>;
      return withDeadlines({ ok: true, value: await handler(parsed.data) });
    } catch (error) {
      return withDeadlines(failureOf(error));
    }
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;
