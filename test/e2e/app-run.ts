import { join } from 'node:path';
import type { DevicePosture } from '../../api/posture.js';
import { createApiClient } from '../../electron/main/api-client.js';
import { collectDiagnostics, createDiagnosticsExport, saveToChosenFile } from '../../electron/main/diagnostics.js';
import { deviceKeyLoader } from '../../electron/main/device/device-identity.js';
import { createProofSigner } from '../../electron/main/device/dpop-proof.js';
import type { SecretStore } from '../../electron/main/device/secret-store.js';
import { collectDeviceSignals } from '../../electron/main/device/signals.js';
import { readRecordedThumbprint } from '../../electron/main/device/thumbprint-record.js';
import { EnrolmentController } from '../../electron/main/enrolment-controller.js';
import type { KioskHost } from '../../electron/main/kiosk/host.js';
import { readRecentLogLines, type Logger } from '../../electron/main/log/logger.js';
import { pendingRequestStore } from '../../electron/main/recovery/pending-request.js';
import { reportingPosture } from '../../electron/main/posture/report.js';
import type { TestClock } from '../support/test-clock.js';
import { nativeKeysOption, type NativeKeyBus } from './native-key-host.js';

/** One installation of the app: its keychain account and its user data directory (app.getPath('userData')). */
export interface Machine {
  installationId: string;
  userData: string;
  kiosk: boolean;
}

/** One API call as it crossed the wire. */
export interface WireRecord {
  authorization: string | null;
  dpop: string | null;
  requestBody: string | null;
  responseBody: string;
}

/** The network as main sees it, with every request's headers and both bodies kept in `wire` for the log check. */
export function recordingFetch(wire: WireRecord[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const headers = new Headers(init?.headers);
    wire.push({
      authorization: headers.get('authorization'),
      dpop: headers.get('dpop'),
      requestBody: typeof init?.body === 'string' ? init.body : null,
      responseBody: await response.clone().text(),
    });
    return response;
  };
}

/** What index.ts would take from Electron, the OS and managed configuration, here from the test stack. */
export interface AppWiring {
  store: SecretStore;
  /** The server's clock: a test that skips time skips it in the app too. */
  clock: TestClock;
  serverUrl: string;
  origin: string;
  logger: Logger;
  logDir: string;
  /** Where "Export diagnostics" saves, in place of the save dialog. */
  diagnosticsDir: string;
  fetch: typeof fetch;
  posture: () => Promise<DevicePosture>;
  helpDeskContact: string | undefined;
  nativeKeys: NativeKeyBus | null;
  /** A station's kiosk host; none on a personal computer. */
  kiosk: KioskHost | undefined;
}

/** One run of the app on a machine: main's real loader, signer, client, controller and diagnostics export. */
export function runApp(machine: Machine, wiring: AppWiring): EnrolmentController {
  const loader = deviceKeyLoader(wiring.store, machine.installationId, machine.userData);
  const signProof = createProofSigner(loader, () => wiring.clock.now().getTime());
  const client = createApiClient({ baseUrl: wiring.serverUrl, signProof, logger: wiring.logger, fetch: wiring.fetch });
  return new EnrolmentController(
    // As index.ts wires it: the posture read afresh for each request that carries the device's signals.
    reportingPosture(client, () => wiring.posture()),
    collectDeviceSignals('0.1.0-test', machine.kiosk),
    {
      deviceKey: loader,
      exportDiagnostics: diagnosticsExport(machine, wiring),
      ...(wiring.kiosk ? { kiosk: wiring.kiosk } : {}),
      // As index.ts wires it: the filed help-desk request in this machine's user data, bound to its device key.
      pendingRequest: pendingRequestStore({ dir: machine.userData, thumbprint: async () => (await loader()).thumbprint }),
      helpDeskContact: wiring.helpDeskContact,
      ...nativeKeysOption(wiring.nativeKeys, machine, wiring.origin, wiring.logger),
    },
  );
}

function diagnosticsExport(machine: Machine, wiring: AppWiring) {
  return createDiagnosticsExport({
    collect: () =>
      collectDiagnostics({
        versions: { app: '0.1.0-test', node: process.versions.node },
        config: { serverUrl: wiring.serverUrl, enrolmentOrigin: wiring.origin, kiosk: machine.kiosk },
        readRecentLogLines: () => readRecentLogLines(wiring.logDir, 200),
        secretStore: wiring.store,
        serverUrl: wiring.serverUrl,
        deviceKeyThumbprint: () => readRecordedThumbprint(machine.userData, machine.installationId),
      }),
    save: saveToChosenFile((name) => Promise.resolve(join(wiring.diagnosticsDir, name))),
  });
}
