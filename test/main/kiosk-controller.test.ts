import { describe, expect, it } from 'vitest';
import { expectRefused, windowOf } from './support/window.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { settle } from './support/device.js';
import { newStation, openSession, ORIGIN, PIN, readyStation, register, useKioskServer } from './support/kiosk-station.js';

/**
 * Main's side of a kiosk station (issue 12): the controller against the real verification
 * server, registered with a real station code and serving people an operator with a real
 * security key confirmed, so its sessions are the server's kiosk sessions. The window (wipe,
 * printer) is stood in by a recorder, since Electron cannot run here; where a test says it
 * uses the station's own PIN store, that is K2's real host and scrypt store.
 */
const kiosk = useKioskServer();

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
    const issued = await kiosk.server.services.stations.issueStationCode('Lobby 1', 'test-admin');
    const registered = await app.value('registerStation', { code: issued.code });
    expect(registered).toMatchObject({ kiosk: true, registration: 'registered', station: { name: 'Lobby 1' } });
    const view = registered.kiosk ? registered.station : null;
    expect(Date.parse(view?.renewBy ?? '')).toBeGreaterThan(Date.now());
    expect(view?.policyVersion).toEqual(expect.any(String));

    await kiosk.server.services.stations.revoke(view?.id ?? '', 'test-admin');
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

    await app.value('operatorOptions', { operator: kiosk.operator });
    expect(station.ceremonies).toHaveLength(1);
    expect(JSON.stringify(app.answers)).not.toContain(station.ceremonies[0]);
  });
});
