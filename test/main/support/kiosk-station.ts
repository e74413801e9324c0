import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../../api/defaults.js';
import { createApiClient, type ApiClient } from '../../../electron/main/api-client.js';
import { deviceKeyLoader } from '../../../electron/main/device/device-identity.js';
import { createProofSigner } from '../../../electron/main/device/dpop-proof.js';
import { collectDeviceSignals } from '../../../electron/main/device/signals.js';
import { EnrolmentController } from '../../../electron/main/enrolment-controller.js';
import { createKioskHost, type KioskHost } from '../../../electron/main/kiosk/host.js';
import { createOperatorAccess, createOperatorPinStore } from '../../../electron/main/kiosk/operator-pin.js';
import type { RunningServer } from '../../../server/start.js';
import { SoftAuthenticator } from '../../support/soft-authenticator.js';
import { MemorySecretStore, type Device } from './device.js';
import { newEnrolee, startDemoServer } from './server.js';
import { windowOf } from './window.js';

/** A kiosk station's main process against the real server: the stations, operator and host stand-in its tests share. */
export const ORIGIN = DEMO_ENROLMENT_ORIGIN;
let server: RunningServer;
/** An operator (the onboarding team: the built-in admin tier asks for attested keys) and their own security key. */
export const operatorKey = new SoftAuthenticator({ attachment: 'cross-platform', transports: ['usb'] });
let operator = '';

/** For a test file: the server and its operator, set up once; `kiosk.server` and `kiosk.operator` inside tests. */
export function useKioskServer(): { readonly server: RunningServer; readonly operator: string } {
  beforeAll(async () => {
    server = await startDemoServer({ kioskOperatorRoles: ['onboarding'] });
    operator = `operator.${randomUUID().slice(0, 8)}`;
    await server.services.accounts.createUser({ username: operator, displayName: 'Olga Operator', role: 'onboarding' }, 'test');
    // The HR role alone makes nobody a kiosk operator: a console role that issues codes too (server/kiosk/operator-step.ts).
    await server.services.operatorRoles.grant(operator, 'helpdesk', 'test-admin');
    const { code } = await server.services.accounts.issueCode(operator, 'test-helpdesk');
    // The operator enrols their own key at their own computer, as anyone does.
    const own = windowOf(newStation({ host: null }));
    await own.value('startSession', { code });
    const options = await own.value('registrationOptions', { factor: 'security-key' });
    await own.value('verifyRegistration', { factor: 'security-key', response: operatorKey.create(options, { origin: ORIGIN }) });
    await own.value('completeSession');
  });
  afterAll(async () => {
    await server.close();
  });
  return {
    get server() {
      return server;
    },
    get operator() {
      return operator;
    },
  };
}

export const PIN = '482915';

/** The host as the controller sees it: every call recorded in order; the PIN kept as the host would, with 3 tries. */
export class RecordingHost implements KioskHost {
  readonly events: string[] = [];
  readonly printed: string[][] = [];
  printerAnswers = true;
  /** Runs inside wipe(), before it returns: what the world looks like at the moment the window is wiped. */
  duringWipe: () => Promise<void> = () => Promise.resolve();
  private pin: string | null = null;
  private attemptsLeft = 3;

  printRecoveryCodes(codes: readonly string[]): Promise<{ printed: boolean }> {
    this.events.push('print');
    this.printed.push([...codes]);
    return Promise.resolve({ printed: this.printerAnswers });
  }
  async wipe(): Promise<void> {
    this.events.push('wipe');
    await this.duringWipe();
  }
  readonly operatorPin = {
    isSet: () => Promise.resolve(this.pin !== null),
    set: (pin: string) => {
      this.events.push('pin.set');
      this.pin = pin;
      this.attemptsLeft = 3;
      return Promise.resolve();
    },
    verify: (pin: string) => {
      this.events.push('pin.verify');
      if (this.attemptsLeft > 0 && pin === this.pin) return Promise.resolve({ ok: true as const });
      this.attemptsLeft = Math.max(0, this.attemptsLeft - 1);
      return Promise.resolve({ ok: false as const, attemptsLeft: this.attemptsLeft, lockedUntil: null });
    },
  };
  exit(): void {
    this.events.push('exit');
  }
}

export interface Station extends Device {
  host: RecordingHost;
  /** The ids of the operator's confirmations the server returned: main keeps them from the page. */
  confirmations: string[];
}

/** A kiosk station: main's real client, signer and controller, given the host stand-in as index.ts gives the real one. */
export function newStation(options: { host?: RecordingHost | null; baseUrl?: string } = {}): Station {
  const store = new MemorySecretStore();
  const loader = deviceKeyLoader(store, `kiosk-${randomUUID()}`);
  const api = createApiClient({ baseUrl: options.baseUrl ?? server.url, signProof: createProofSigner(loader), timeoutMs: 2_000 });
  const tokens: string[] = [];
  const ceremonies: string[] = [];
  const confirmations: string[] = [];
  const recording: ApiClient = {
    call: async (name, input) => {
      const result: unknown = await api.call(name, input);
      if (result && typeof result === 'object') {
        if ('token' in result && typeof result.token === 'string') tokens.push(result.token);
        if ('ceremonyId' in result && typeof result.ceremonyId === 'string') ceremonies.push(result.ceremonyId);
        if (name === 'confirmNewHire' && 'id' in result && typeof result.id === 'string') confirmations.push(result.id);
      }
      return result as never;
    },
  };
  const host = options.host === null ? undefined : (options.host ?? new RecordingHost());
  const controller = new EnrolmentController(recording, collectDeviceSignals('0.1.0-test', true), {
    deviceKey: loader,
    ...(host ? { kiosk: host } : {}),
  });
  return { controller, api, tokens, ceremonies, confirmations, store, host: host ?? new RecordingHost() };
}

/** IT's station code, typed in by the operator at the station. */
export async function register(station: Station, name = 'Lobby 1'): Promise<void> {
  const issued = await server.services.stations.issueStationCode(name, 'test-admin');
  await windowOf(station).value('registerStation', { code: issued.code });
}

/** A station as the operator leaves it after setting it up: registered, with its PIN; the host's record starts after. */
export async function readyStation(options: Parameters<typeof newStation>[0] = {}): Promise<Station> {
  const station = newStation(options);
  await register(station);
  await windowOf(station).value('setOperatorPin', { pin: PIN });
  station.host.events.length = 0;
  return station;
}

/** The operator checks the new hire in person and touches their own key. */
export async function confirm(station: Station, newHire: string): Promise<void> {
  const app = windowOf(station);
  const options = await app.value('operatorOptions', { operator });
  await app.value('confirmNewHire', {
    response: operatorKey.get(options, { origin: ORIGIN }),
    newHire,
    checks: ['photo_id', 'name_matches'],
  });
}

/** Opens a session the way a station's page does once the operator step is done. */
export async function openSession(station: Station): Promise<void> {
  const { code, username } = await newEnrolee(server);
  await confirm(station, username);
  await windowOf(station).value('startSession', { code });
}

/** K2's real host with its real PIN store (scrypt, attempts and lock in the keychain, here an in-memory one); only Electron's window stood in. */
export function stationWithRealPin(): { station: Station; events: string[] } {
  const events: string[] = [];
  const host = createKioskHost({
    access: createOperatorAccess(createOperatorPinStore({ store: new MemorySecretStore(), account: `kiosk-${randomUUID()}` })),
    print: {
      openPrintWindow: () => {
        throw new Error('no printer in this test');
      },
      locale: 'en',
    },
    renderer: {
      loadURL: (url) => {
        events.push(`load ${url}`);
        return Promise.resolve();
      },
      session: {
        clearData: () => {
          events.push('clearData');
          return Promise.resolve();
        },
        clearStorageData: () => Promise.resolve(),
        clearCache: () => Promise.resolve(),
      },
      clearClipboard: () => {
        events.push('clearClipboard');
      },
      restart: () => {
        events.push('restart');
      },
    },
    startUrl: `${ORIGIN}/`,
    quit: () => {
      events.push('quit');
    },
  });
  const station = newStation({ host: new RecordingHost() });
  const controller = new EnrolmentController(
    { call: (name, input) => station.api.call(name, input) },
    collectDeviceSignals('0.1.0-test', true),
    { kiosk: host },
  );
  return { station: { ...station, controller }, events };
}
