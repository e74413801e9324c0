import { expect } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../../api/defaults.js';
import type { IpcName } from '../../../api/ipc-channels.js';
import type { IpcResult, IpcResults } from '../../../api/ipc.js';
import { createDispatcher } from '../../../electron/main/ipc/dispatcher.js';
import type { Device } from './device.js';

/** The enrolment window's view of main: every call through the gate, every answer kept for the secret scans. */
export function windowOf(device: Device, origin = DEMO_ENROLMENT_ORIGIN) {
  const dispatch = createDispatcher(device.controller.handlers, origin);
  const answers: unknown[] = [];
  async function call<N extends IpcName>(name: N, payload?: unknown): Promise<IpcResult<IpcResults[N]>> {
    const result = (await dispatch({ senderUrl: `${origin}/`, isMainFrame: true, name, payload })) as IpcResult<IpcResults[N]>;
    answers.push(result);
    return result;
  }
  async function value<N extends IpcName>(name: N, payload?: unknown): Promise<IpcResults[N]> {
    const result = await call(name, payload);
    if (!result.ok) throw new Error(`${name} refused: ${result.error.code} ${result.error.message}`);
    return result.value;
  }
  return { call, value, answers };
}
export type AppWindow = ReturnType<typeof windowOf>;

/** A refusal with this code and nothing else, or with exactly these further fields (a wrong code's tries left). */
export function expectRefused(result: IpcResult<unknown>, code: string, further: Record<string, unknown> = {}): void {
  expect(result).toEqual({ ok: false, error: { code, message: expect.any(String) as string, ...further } });
}
