import type { DevicePosture } from '../../../api/posture.js';
import type { ApiClient } from '../api-client.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The API client with the device's posture read afresh and added to every request that carries the
 * device's signals (opening a session by code, recovery, sign-in, filing a request). Read at each
 * call, not at start: after a refusal the person fixes their machine and presses Try again, and the
 * same code goes out with what the machine says now.
 */
export function reportingPosture(api: ApiClient, read: () => Promise<DevicePosture>): ApiClient {
  return {
    call: async (name, input) => {
      const { body } = input as { body?: unknown };
      if (!isRecord(body) || !isRecord(body.device)) return api.call(name, input);
      const posture = await read();
      return api.call(name, { ...(input as object), body: { ...body, device: { ...body.device, posture } } } as typeof input);
    },
  };
}
