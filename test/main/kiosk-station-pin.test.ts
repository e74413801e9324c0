import { describe, expect, it } from 'vitest';
import { expectRefused, windowOf } from './support/window.js';
import type { ApiClient } from '../../electron/main/api-client.js';
import { collectDeviceSignals } from '../../electron/main/device/signals.js';
import { EnrolmentController } from '../../electron/main/enrolment-controller.js';
import { settle } from './support/device.js';
import {
  confirm,
  newStation,
  openSession,
  ORIGIN,
  PIN,
  readyStation,
  register,
  stationWithRealPin,
  useKioskServer,
} from './support/kiosk-station.js';
import { newEnrolee } from './support/server.js';

/** A kiosk station's PIN with its own store, a station with no PIN, and one person per operator confirmation, in main against the real server. */
const kiosk = useKioskServer();

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
    expectRefused(await app.call('operatorOptions', { operator: kiosk.operator }), 'operator_pin_missing');
    const { code } = await newEnrolee(kiosk.server);
    expectRefused(await app.call('startSession', { code }), 'operator_pin_missing');
    expect(station.host.events).not.toContain('pin.set');

    // The operator asks IT for a new station code; typing it in is what lets them choose the PIN.
    const issued = await kiosk.server.services.stations.issueStationCode('Lobby 1', 'test-admin');
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
    const { code, username } = await newEnrolee(kiosk.server);
    expectRefused(await app.call('startSession', { code }), 'operator_confirmation_required');
    await confirm(station, username);
    expect(await app.value('startSession', { code })).toMatchObject({ user: { username } });
    expect(station.tokens).toHaveLength(1);
  });

  it('a confirmation opens one session only: a second code after it needs the operator again', async () => {
    const station = await readyStation();
    const app = windowOf(station);
    await openSession(station);
    const { code } = await newEnrolee(kiosk.server);
    expectRefused(await app.call('startSession', { code }), 'operator_confirmation_required');
  });

  it("the operator's confirmation of one person does not open another person's code", async () => {
    const station = await readyStation();
    const app = windowOf(station);
    const confirmed = await newEnrolee(kiosk.server);
    const other = await newEnrolee(kiosk.server);
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
    const { code, username } = await newEnrolee(kiosk.server);
    await confirm(stationWindow, username);
    expectRefused(await windowOf(stationWindow).call('startSession', { code }), 'kiosk_session_refused');
    expect(await windowOf(stationWindow).value('currentSession')).toBeNull();
    expect(tokens).toHaveLength(1);
    expect((await settle(station.api.call('getSession', { token: tokens[0] ?? '' }))).ok).toBe(false);
  });

  it("a reset cancels the station's confirmations on the server before the window is wiped", async () => {
    const station = await readyStation();
    const { code, username } = await newEnrolee(kiosk.server);
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
