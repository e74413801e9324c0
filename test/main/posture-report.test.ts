import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN, DEMO_RP_ID } from '../../api/defaults.js';
import type { DevicePosture } from '../../api/posture.js';
import { createApiClient } from '../../electron/main/api-client.js';
import { EnrolmentController } from '../../electron/main/enrolment-controller.js';
import { createDispatcher } from '../../electron/main/ipc/dispatcher.js';
import { reportingPosture } from '../../electron/main/posture/report.js';
import { DEFAULT_POLICY } from '../../server/policy/default-policy.js';
import { PolicyFile } from '../../server/policy/schema.js';
import { PolicyStore } from '../../server/policy/store.js';
import type { RunningServer } from '../../server/start.js';
import { reportedPosture } from '../fixtures/posture/postures.js';
import { startTestServer } from '../support/service-harness.js';
import { DEVICE, deviceProofSigner } from './support/device.js';
import { newEnrolee } from './support/server.js';

/**
 * Issue 15, device posture, from main's side: the posture is read afresh for every request that
 * carries the device's signals, so after a refusal the person fixes the machine and the same code
 * goes out again with what it says now. The refusal reaches the renderer with what is missing.
 */

const POLICY = PolicyFile.parse({
  ...DEFAULT_POLICY,
  tiers: { ...DEFAULT_POLICY.tiers, standard: { ...DEFAULT_POLICY.tiers.standard, devicePosture: { diskEncryption: 'required' } } },
});

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer({ rpId: DEMO_RP_ID, origins: [DEMO_ENROLMENT_ORIGIN] }, { policy: PolicyStore.fixed(POLICY) });
});
afterAll(() => server.close());

describe('main reports the posture it reads now', () => {
  it('a refused code reaches the renderer with what is missing; Try again reads the posture again and the same code opens the session', async () => {
    let posture: DevicePosture = reportedPosture({ diskEncryption: false });
    let reads = 0;
    const api = reportingPosture(createApiClient({ baseUrl: server.url, signProof: deviceProofSigner() }), () => {
      reads += 1;
      return Promise.resolve(posture);
    });
    const controller = new EnrolmentController(api, DEVICE);
    const dispatch = createDispatcher(controller.handlers, DEMO_ENROLMENT_ORIGIN);
    const { code } = await newEnrolee(server);
    const start = () => dispatch({ senderUrl: `${DEMO_ENROLMENT_ORIGIN}/`, isMainFrame: true, name: 'startSession', payload: { code } });

    const refused = await start();
    expect(refused).toMatchObject({
      ok: false,
      error: {
        code: 'device_posture_insufficient',
        posture: { platform: DEVICE.platform, unmet: [{ requirement: 'diskEncryption', reported: false }] },
      },
    });

    // The person turns encryption on and presses Try again: nothing else changes.
    posture = reportedPosture({ diskEncryption: true });
    const opened = await start();
    expect(opened).toMatchObject({ ok: true, value: { purpose: 'enrol' } });
    expect(reads).toBe(2);
  });

  it('requests without device signals go out as they were, without reading the posture', async () => {
    let reads = 0;
    const api = reportingPosture(createApiClient({ baseUrl: server.url, signProof: deviceProofSigner() }), () => {
      reads += 1;
      return Promise.resolve(reportedPosture());
    });
    await expect(api.call('openSession', { body: { code: 'NOT-A-REAL-CODE', device: DEVICE } })).rejects.toMatchObject({
      code: 'code_invalid',
    });
    expect(reads).toBe(1);
    await expect(api.call('getSession', { token: 'nope' })).rejects.toBeDefined();
    expect(reads).toBe(1);
  });
});
