import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import { createApiClient, type ApiClient } from '../../electron/main/api-client.js';
import { deviceKeyLoader } from '../../electron/main/device/device-identity.js';
import { createProofSigner } from '../../electron/main/device/dpop-proof.js';
import { collectDeviceSignals } from '../../electron/main/device/signals.js';
import { EnrolmentController } from '../../electron/main/enrolment-controller.js';
import { createKioskHost, type KioskHost } from '../../electron/main/kiosk/host.js';
import { createOperatorAccess, createOperatorPinStore } from '../../electron/main/kiosk/operator-pin.js';
import type { RunningServer } from '../../server/start.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { MemorySecretStore, settle, type Device } from './support/device.js';
import { newEnrolee, startDemoServer } from './support/server.js';
import { expectRefused, windowOf } from './support/window.js';

/**
 * Main's side of a kiosk station (issue 12): the controller against the real verification
 * server, registered with a real station code and serving people an operator with a real
 * security key confirmed, so its sessions are the server's kiosk sessions. The window (wipe,
 * printer) is stood in by a recorder, since Electron cannot run here; where a test says it
 * uses the station's own PIN store, that is K2's real host and scrypt store.
 */
const ORIGIN = DEMO_ENROLMENT_ORIGIN;
let server: RunningServer;
/** An operator (the onboarding team: the built-in admin tier asks for attested keys) and their own security key. */
const operatorKey = new SoftAuthenticator({ attachment: 'cross-platform', transports: ['usb'] });
let operator = '';

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

const PIN = '482915';

/** The host as the controller sees it: every call recorded in order; the PIN kept as the host would, with 3 tries. */
class RecordingHost implements KioskHost {
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

interface Station extends Device {
  host: RecordingHost;
  /** The ids of the operator's confirmations the server returned: main keeps them from the page. */
  confirmations: string[];
}

/** A kiosk station: main's real client, signer and controller, given the host stand-in as index.ts gives the real one. */
function newStation(options: { host?: RecordingHost | null; baseUrl?: string } = {}): Station {
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
async function register(station: Station, name = 'Lobby 1'): Promise<void> {
  const issued = await server.services.stations.issueStationCode(name, 'test-admin');
  await windowOf(station).value('registerStation', { code: issued.code });
}

/** A station as the operator leaves it after setting it up: registered, with its PIN; the host's record starts after. */
async function readyStation(options: Parameters<typeof newStation>[0] = {}): Promise<Station> {
  const station = newStation(options);
  await register(station);
  await windowOf(station).value('setOperatorPin', { pin: PIN });
  station.host.events.length = 0;
  return station;
}

/** The operator checks the new hire in person and touches their own key. */
async function confirm(station: Station, newHire: string): Promise<void> {
  const app = windowOf(station);
  const options = await app.value('operatorOptions', { operator });
  await app.value('confirmNewHire', {
    response: operatorKey.get(options, { origin: ORIGIN }),
    newHire,
    checks: ['photo_id', 'name_matches'],
  });
}

/** Opens a session the way a station's page does once the operator step is done. */
async function openSession(station: Station): Promise<void> {
  const { code, username } = await newEnrolee(server);
  await confirm(station, username);
  await windowOf(station).value('startSession', { code });
}

describe('One person at a time', () => {
  it("ends the person's server session before the window is wiped, then wipes once", async () => {
    const station = await readyStation();
    await openSession(station);
    const token = station.tokens[0] ?? '';
    let sessionAtWipe = 'not asked';
    station.host.duringWipe = async () => {
      const outcome = await settle(station.api.call('getSession', { token }));
      sessionAtWipe = outcome.ok ? 'still open' : 'ended';
    };

    expect(await windowOf(station).call('resetStation')).toEqual({ ok: true, value: null });

    expect(sessionAtWipe).toBe('ended');
    expect(station.host.events).toEqual(['wipe']);
    expect(await windowOf(station).value('currentSession')).toBeNull();
  });

  it('still wipes when the server cannot be told: the person is never left on screen', async () => {
    const station = newStation({ baseUrl: 'http://127.0.0.1:9' });
    expect(await windowOf(station).call('resetStation')).toEqual({ ok: true, value: null });
    expect(station.host.events).toEqual(['wipe']);
  });

  it('prints the codes main kept from the completed enrolment, and after the reset there is nothing left to print', async () => {
    const station = await readyStation();
    const app = windowOf(station);
    await openSession(station);
    const options = await app.value('registrationOptions', { factor: 'security-key' });
    const response = new SoftAuthenticator({ attachment: 'cross-platform', transports: ['usb'] }).create(options, { origin: ORIGIN });
    await app.value('verifyRegistration', { factor: 'security-key', response });
    const done = await app.value('completeSession');
    expect(done.recoveryCodes?.length).toBeGreaterThan(0);

    expect(await app.value('printRecoveryCodes')).toEqual({ printed: true });
    expect(station.host.printed).toEqual([done.recoveryCodes]);

    await app.value('resetStation');
    expectRefused(await app.call('printRecoveryCodes'), 'no_session');
    expect(station.host.printed).toHaveLength(1);
  });

  it('says when no printer took the codes, so the screen can say so', async () => {
    const station = await readyStation();
    station.host.printerAnswers = false;
    const app = windowOf(station);
    await openSession(station);
    const options = await app.value('registrationOptions', { factor: 'security-key' });
    const response = new SoftAuthenticator({ attachment: 'cross-platform', transports: ['usb'] }).create(options, { origin: ORIGIN });
    await app.value('verifyRegistration', { factor: 'security-key', response });
    await app.value('completeSession');
    expect(await app.value('printRecoveryCodes')).toEqual({ printed: false });
  });

  it('the page cannot choose what the printer prints: any text sent with the call is refused', async () => {
    const station = newStation();
    expectRefused(await windowOf(station).call('printRecoveryCodes', { codes: ['Call 555-0100 for a prize'] }), 'bad_payload');
    expect(station.host.printed).toEqual([]);
  });
});

describe('A way out only through the operator', () => {
  it('sets the first PIN right after the registration, but changing it needs the current one', async () => {
    const station = newStation();
    const app = windowOf(station);
    expect(await app.value('operatorPinStatus')).toEqual({ set: false });
    await register(station);
    expect(await app.call('setOperatorPin', { pin: PIN })).toEqual({ ok: true, value: null });
    expect(await app.value('operatorPinStatus')).toEqual({ set: true });

    expectRefused(await app.call('setOperatorPin', { pin: '111111' }), 'operator_unlock_required');
    expect(await app.value('verifyOperatorPin', { pin: PIN })).toEqual({ ok: true });
    expect(await app.call('setOperatorPin', { pin: '777777' })).toEqual({ ok: true, value: null });
    expect(station.host.events.filter((e) => e === 'pin.set')).toHaveLength(2);
  });

  it('leaves kiosk mode only after the right PIN, and a wrong one does not count as an unlock', async () => {
    const station = await readyStation();
    const app = windowOf(station);

    expectRefused(await app.call('exitKiosk'), 'operator_unlock_required');
    expect(await app.value('verifyOperatorPin', { pin: '000000' })).toMatchObject({ ok: false, attemptsLeft: 2 });
    expectRefused(await app.call('exitKiosk'), 'operator_unlock_required');
    expect(station.host.events).not.toContain('exit');

    await app.value('verifyOperatorPin', { pin: PIN });
    expect(await app.call('exitKiosk')).toEqual({ ok: true, value: null });
    expect(station.host.events.at(-1)).toBe('exit');
  });

  it('a right PIN after a wrong one does not leave an earlier unlock in place, and a reset locks again', async () => {
    const station = await readyStation();
    const app = windowOf(station);
    await app.value('verifyOperatorPin', { pin: PIN });
    await app.value('verifyOperatorPin', { pin: '000000' });
    expectRefused(await app.call('exitKiosk'), 'operator_unlock_required');

    await app.value('verifyOperatorPin', { pin: PIN });
    await app.value('resetStation');
    expectRefused(await app.call('exitKiosk'), 'operator_unlock_required');
  });

  it.each([
    ['letters', 'abcdef'],
    ['too short', '12345'],
    ['too long', '1'.repeat(33)],
    ['a number, not text', 482915],
  ])('refuses a PIN of %s at the gate, before the host sees it', async (_label, pin) => {
    const station = newStation();
    expectRefused(await windowOf(station).call('verifyOperatorPin', { pin }), 'bad_payload');
    expect(station.host.events).toEqual([]);
  });
});

describe('Kiosk mode is set by managed configuration only', () => {
  it('a personal computer says it is no kiosk, and refuses every kiosk call', async () => {
    const computer = newStation({ host: null });
    const app = windowOf(computer);
    expect(await app.value('stationStatus')).toEqual({ kiosk: false });
    const calls: [Parameters<typeof app.call>[0], unknown][] = [
      ['registerStation', { code: 'ABCD-EFGH' }],
      ['operatorOptions', { operator: 'grace.admin' }],
      ['printRecoveryCodes', undefined],
      ['resetStation', undefined],
      ['operatorPinStatus', undefined],
      ['setOperatorPin', { pin: PIN }],
      ['verifyOperatorPin', { pin: PIN }],
      ['exitKiosk', undefined],
    ];
    for (const [name, payload] of calls) expectRefused(await app.call(name, payload), 'not_a_kiosk');
  });
});

describe('A station serves first enrolments only', () => {
  it("refuses a person's ways back and self-service, so nothing of theirs is managed on shared hardware", async () => {
    const app = windowOf(newStation());
    const assertion = {
      id: 'Y3JlZA',
      rawId: 'Y3JlZA',
      type: 'public-key',
      response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA' },
      clientExtensionResults: {},
    };
    const calls: [Parameters<typeof app.call>[0], unknown][] = [
      ['recover', { method: 'recovery-code', username: 'ada.new', code: 'ABCD-EFGH-JKMN-P' }],
      ['fileRecoveryRequest', { username: 'ada.new' }],
      ['recoveryRequestStatus', undefined],
      ['authenticationOptions', { username: 'ada.new', purpose: 'manage' }],
      ['authenticate', { response: assertion }],
      ['securityOverview', undefined],
      ['renameFactor', { id: 'Y3JlZA', name: 'Work key' }],
      ['removeFactor', { id: 'Y3JlZA' }],
      ['removeDevice', { id: 'd1' }],
      ['regenerateRecoveryCodes', undefined],
      ['exportDiagnostics', undefined],
      // Device approval, either side: a station is nobody's new computer and nobody's old one.
      ['fileApprovalRequest', { username: 'ada.new' }],
      ['approvalRequestStatus', undefined],
      ['collectApproval', undefined],
      ['findApprovalRequest', { code: 'K7MQ-4QX9' }],
      ['decideApprovalRequest', { decision: 'approve' }],
      // Acting for a service account is the owner's, on their own computer.
      ['myEmergencyAccess', undefined],
      ['requestEmergencyAccess', { serviceAccount: 'svc.payments', reason: 'settlement job stuck since 02:00', minutes: 30 }],
      ['activateEmergencyAccess', { id: 'g1' }],
      ['endEmergencyAccess', { id: 'g1' }],
    ];
    for (const [name, payload] of calls) expectRefused(await app.call(name, payload), 'kiosk_enrolment_only');
  });

  it('a personal computer keeps them', async () => {
    const app = windowOf(newStation({ host: null }));
    expect(await app.call('recoveryRequestStatus')).toEqual({ ok: true, value: null });
  });
});

describe('Station health for the operator', () => {
  it('says the server cannot be reached, with the keychain still working', async () => {
    const station = newStation({ baseUrl: 'http://127.0.0.1:9' });
    expect(await windowOf(station).value('stationStatus')).toEqual({
      kiosk: true,
      registration: 'unknown',
      station: null,
      serverReachable: false,
      keychain: 'ready',
      operatorPin: 'missing',
    });
  });

  it('says the keychain is not working, and does not pretend to know the registration', async () => {
    const station = newStation();
    station.store.broken = true;
    expect(await windowOf(station).value('stationStatus')).toMatchObject({
      kiosk: true,
      registration: 'unknown',
      serverReachable: null,
      keychain: 'keychain_unavailable',
    });
  });

  it('an unregistered station says so: the server is reachable and knows no station for this key', async () => {
    const station = newStation();
    expect(await windowOf(station).value('stationStatus')).toEqual({
      kiosk: true,
      registration: 'unregistered',
      station: null,
      serverReachable: true,
      keychain: 'ready',
      operatorPin: 'missing',
    });
  });

  it('a registered station shows its name, renewal date and policy version; a revoked one says it is revoked', async () => {
    const station = newStation();
    const app = windowOf(station);
    const issued = await server.services.stations.issueStationCode('Lobby 1', 'test-admin');
    const registered = await app.value('registerStation', { code: issued.code });
    expect(registered).toMatchObject({ kiosk: true, registration: 'registered', station: { name: 'Lobby 1' } });
    const view = registered.kiosk ? registered.station : null;
    expect(Date.parse(view?.renewBy ?? '')).toBeGreaterThan(Date.now());
    expect(view?.policyVersion).toEqual(expect.any(String));

    await server.services.stations.revoke(view?.id ?? '', 'test-admin');
    expect(await app.value('stationStatus')).toMatchObject({ kiosk: true, registration: 'revoked', station: null });
  });
});

describe('An operator step', () => {
  it("refuses a confirmation without the operator's ceremony, and the ceremony id never reaches the page", async () => {
    const station = await readyStation();
    const app = windowOf(station);
    const assertion = {
      id: 'Y3JlZA',
      rawId: 'Y3JlZA',
      type: 'public-key',
      response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA' },
      clientExtensionResults: {},
    };
    expectRefused(await app.call('confirmNewHire', { response: assertion, newHire: 'ada.new', checks: ['photo_id'] }), 'challenge_missing');
    // A page that tries to name the ceremony itself is refused: main supplies it.
    expectRefused(
      await app.call('confirmNewHire', { ceremonyId: 'x', response: assertion, newHire: 'ada.new', checks: ['photo_id'] }),
      'bad_payload',
    );
    expectRefused(await app.call('confirmNewHire', { response: assertion, newHire: 'ada.new', checks: [] }), 'bad_payload');

    await app.value('operatorOptions', { operator });
    expect(station.ceremonies).toHaveLength(1);
    expect(JSON.stringify(app.answers)).not.toContain(station.ceremonies[0]);
  });
});

/** K2's real host with its real PIN store (scrypt, attempts and lock in the keychain, here an in-memory one); only Electron's window stood in. */
function stationWithRealPin(): { station: Station; events: string[] } {
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

describe("A way out only through the operator, with the station's own PIN store", () => {
  it('a PIN anyone would try first is refused in words the page can show', async () => {
    const { station } = stationWithRealPin();
    await register(station);
    expectRefused(await windowOf(station).call('setOperatorPin', { pin: '123456' }), 'pin_too_simple');
    expectRefused(await windowOf(station).call('setOperatorPin', { pin: '000000' }), 'pin_too_simple');
    expect(await windowOf(station).value('operatorPinStatus')).toEqual({ set: false });
  });

  it('the right PIN lets the operator leave; a wrong one counts down the tries', async () => {
    const { station, events } = stationWithRealPin();
    const app = windowOf(station);
    await register(station);
    await app.value('setOperatorPin', { pin: PIN });
    expect(await app.value('verifyOperatorPin', { pin: '000000' })).toMatchObject({ ok: false, attemptsLeft: 4 });
    expectRefused(await app.call('exitKiosk'), 'operator_unlock_required');
    expect(await app.value('verifyOperatorPin', { pin: PIN })).toEqual({ ok: true });
    expect(await app.call('exitKiosk')).toEqual({ ok: true, value: null });
    expect(events).toEqual(['quit']);
  });

  it('a reset blanks the page, clears storage and clipboard, then shows the start screen, and relocks the operator', async () => {
    const { station, events } = stationWithRealPin();
    const app = windowOf(station);
    await register(station);
    await app.value('setOperatorPin', { pin: PIN });
    await app.value('verifyOperatorPin', { pin: PIN });
    await app.value('resetStation');
    expect(events).toEqual(['load about:blank', 'clearData', 'clearClipboard', `load ${ORIGIN}/`]);
    expectRefused(await app.call('exitKiosk'), 'operator_unlock_required');
  });
});

describe('No PIN means not ready, and nobody can set the first PIN on their own', () => {
  it('a station registered in an earlier run with no PIN serves nobody, and refuses a first PIN until it is registered again', async () => {
    const station = newStation();
    await register(station);
    // The next run of the app (or a keychain that lost the PIN): the same key, a fresh controller.
    const nextRun = {
      ...station,
      controller: new EnrolmentController(station.api, collectDeviceSignals('0.1.0-test', true), { kiosk: station.host }),
    };
    const app = windowOf(nextRun);
    expect(await app.value('stationStatus')).toMatchObject({ registration: 'registered', operatorPin: 'missing' });

    expectRefused(await app.call('setOperatorPin', { pin: PIN }), 'fresh_registration_required');
    expectRefused(await app.call('operatorOptions', { operator }), 'operator_pin_missing');
    const { code } = await newEnrolee(server);
    expectRefused(await app.call('startSession', { code }), 'operator_pin_missing');
    expect(station.host.events).not.toContain('pin.set');

    // The operator asks IT for a new station code; typing it in is what lets them choose the PIN.
    const issued = await server.services.stations.issueStationCode('Lobby 1', 'test-admin');
    expect(await app.value('registerStation', { code: issued.code })).toMatchObject({ registration: 'registered', operatorPin: 'choose' });
    expect(await app.call('setOperatorPin', { pin: PIN })).toEqual({ ok: true, value: null });
    expect(await app.value('stationStatus')).toMatchObject({ operatorPin: 'set' });
  });

  it('an operator who registered and walked away leaves no first PIN to a passer-by: the idle reset takes the chance away', async () => {
    const station = newStation();
    const app = windowOf(station);
    await register(station);
    expect(await app.value('stationStatus')).toMatchObject({ operatorPin: 'choose' });
    await app.value('resetStation');
    expect(await app.value('stationStatus')).toMatchObject({ operatorPin: 'missing' });
    expectRefused(await app.call('setOperatorPin', { pin: PIN }), 'fresh_registration_required');
  });

  it("with the station's own PIN store, a PIN it lost is not chosen again without a new station code", async () => {
    const { station } = stationWithRealPin();
    const app = windowOf(station);
    await register(station);
    expect(await app.call('setOperatorPin', { pin: PIN })).toEqual({ ok: true, value: null });
    // Setting a first PIN is one chance per registration, not a door left open afterwards.
    expectRefused(await app.call('setOperatorPin', { pin: '777777' }), 'operator_unlock_required');
  });
});

describe('One person at a time, in main', () => {
  it('opens nothing without an operator confirmation, and the code stays usable for when the operator confirms', async () => {
    const station = await readyStation();
    const app = windowOf(station);
    const { code, username } = await newEnrolee(server);
    expectRefused(await app.call('startSession', { code }), 'operator_confirmation_required');
    await confirm(station, username);
    expect(await app.value('startSession', { code })).toMatchObject({ user: { username } });
    expect(station.tokens).toHaveLength(1);
  });

  it('a confirmation opens one session only: a second code after it needs the operator again', async () => {
    const station = await readyStation();
    const app = windowOf(station);
    await openSession(station);
    const { code } = await newEnrolee(server);
    expectRefused(await app.call('startSession', { code }), 'operator_confirmation_required');
  });

  it("the operator's confirmation of one person does not open another person's code", async () => {
    const station = await readyStation();
    const app = windowOf(station);
    const confirmed = await newEnrolee(server);
    const other = await newEnrolee(server);
    await confirm(station, confirmed.username);
    expectRefused(await app.call('startSession', { code: other.code }), 'operator_confirmation_required');
    // The code that was refused was not spent.
    const personal = windowOf(newStation({ host: null }));
    expect(await personal.value('startSession', { code: other.code })).toMatchObject({ user: { username: other.username } });
  });

  it('a session the server did not open as a kiosk session is ended at once and refused', async () => {
    const station = await readyStation();
    // A server (or something between) that answers as if this were a personal computer.
    const personalAnswer: ApiClient = {
      call: async (name, input) => {
        const result: unknown = await station.api.call(name, input);
        return (name === 'openSession' && result && typeof result === 'object' ? { ...result, kiosk: false } : result) as never;
      },
    };
    const tokens: string[] = [];
    const watching: ApiClient = {
      call: async (name, input) => {
        const result: unknown = await personalAnswer.call(name, input);
        if (name === 'openSession' && result && typeof result === 'object' && 'token' in result && typeof result.token === 'string') {
          tokens.push(result.token);
        }
        return result as never;
      },
    };
    const controller = new EnrolmentController(watching, collectDeviceSignals('0.1.0-test', true), { kiosk: station.host });
    const stationWindow = { ...station, controller };
    const { code, username } = await newEnrolee(server);
    await confirm(stationWindow, username);
    expectRefused(await windowOf(stationWindow).call('startSession', { code }), 'kiosk_session_refused');
    expect(await windowOf(stationWindow).value('currentSession')).toBeNull();
    expect(tokens).toHaveLength(1);
    expect((await settle(station.api.call('getSession', { token: tokens[0] ?? '' }))).ok).toBe(false);
  });

  it("a reset cancels the station's confirmations on the server before the window is wiped", async () => {
    const station = await readyStation();
    const { code, username } = await newEnrolee(server);
    await confirm(station, username);
    const confirmationId = station.confirmations.at(-1) ?? '';
    let confirmationAtWipe = 'not asked';
    station.host.duringWipe = async () => {
      // The confirmation straight to the API with the station's own key, as if main had kept it.
      const outcome = await settle(
        station.api.call('openSession', { body: { code, device: collectDeviceSignals('0.1.0-test', true), confirmationId } }),
      );
      confirmationAtWipe = outcome.ok ? 'still usable' : 'cancelled';
    };
    await windowOf(station).value('resetStation');
    expect(confirmationAtWipe).toBe('cancelled');
    expectRefused(await windowOf(station).call('startSession', { code }), 'operator_confirmation_required');
  });
});
