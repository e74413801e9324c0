import { describe, expect, it } from 'vitest';
import { CHECKED, serverAgent } from '../support/operators.js';
import { DEVICE, newDevice } from './support/device.js';
import { newEnrolee } from './support/server.js';
import {
  clock,
  expectNoneReached,
  refusalCode,
  registerAndComplete,
  server,
  sessionRow,
  sessionsOf,
  useWaysBackServer,
} from './support/ways-back.js';
import { expectRefused, windowOf } from './support/window.js';

/**
 * A way back through main: a help-desk code opens a `recover` session, from the installation
 * that filed the request only; the request id main sends stays in main.
 */

useWaysBackServer();

describe('recover through the help desk', () => {
  it('the request id stays in main; the approved code works from the filing controller only', async () => {
    const { username } = await newEnrolee(server);
    const device = newDevice(server.url, { clock });
    const app = windowOf(device);

    // Nothing filed yet: nothing to poll, and no code can be redeemed.
    expect(await app.value('recoveryRequestStatus')).toBeNull();
    expectRefused(await app.call('recover', { method: 'helpdesk', code: 'ABCD-EFGH-JKLM' }), 'no_session');

    const filed = await app.value('fileRecoveryRequest', { username });
    expect(filed).toMatchObject({ status: 'pending' });
    expect(Object.keys(filed).sort()).toEqual(['createdAt', 'expiresAt', 'helpDeskContact', 'id', 'reference', 'status']);
    expect(await app.value('recoveryRequestStatus')).toEqual(filed);

    // Before any approval the server says so, and main keeps the request for the next try.
    expectRefused(await app.call('recover', { method: 'helpdesk', code: 'ABCD-EFGH-JKLM' }), 'request_pending');
    expect(await app.value('recoveryRequestStatus')).toMatchObject({ id: filed.id, status: 'pending' });

    const approval = await server.services.helpdesk.approve(filed.id, username, await serverAgent(server, 'agent.smith'), CHECKED);
    const code = approval.code;
    if (!code) throw new Error('a single approval should have issued the code');
    expect(await app.value('recoveryRequestStatus')).toMatchObject({ id: filed.id, status: 'approved' });

    // Another installation (another device key) with the very same code.
    const sessionsBefore = (await sessionsOf(username)).length;
    const other = newDevice(server.url, { clock });
    const otherApp = windowOf(other);
    // It filed nothing, so its main has no request to name: refused before the server is asked.
    expectRefused(await otherApp.call('recover', { method: 'helpdesk', code }), 'no_session');
    // The renderer cannot supply the request id itself: the contract refuses the extra key.
    expectRefused(await otherApp.call('recover', { method: 'helpdesk', code, requestId: filed.id }), 'bad_payload');
    expect(await otherApp.value('recoveryRequestStatus')).toBeNull();
    // Even a client that names the request directly is refused by the server: the code is bound to the filing key.
    expect(
      await refusalCode(other.api.call('openRecoverySession', { body: { method: 'helpdesk', requestId: filed.id, code, device: DEVICE } })),
    ).toBe('device_mismatch');
    expect(await refusalCode(other.api.call('recoveryRequestStatus', { params: { id: filed.id } }))).toBe('not_found');
    expect(await otherApp.value('currentSession')).toBeNull();
    expect(other.tokens).toEqual([]);
    expect(await sessionsOf(username)).toHaveLength(sessionsBefore);

    // A wrong code from the filing device is refused and does not make main forget the request.
    expectRefused(await app.call('recover', { method: 'helpdesk', code: 'WRNG-WRNG-WRNG' }), 'recovery_code_invalid', {
      tries: { beforeWait: 2 },
    });
    expect(await app.value('recoveryRequestStatus')).toMatchObject({ id: filed.id, status: 'approved' });

    const session = await app.value('recover', { method: 'helpdesk', code });
    expect(session).toMatchObject({ purpose: 'recover', user: { username } });
    expect(await sessionRow(session.id)).toMatchObject({ purpose: 'recover', opened_by: 'helpdesk-code' });
    expect(await app.value('currentSession')).toMatchObject({ id: session.id });
    expect(await sessionsOf(username)).toHaveLength(sessionsBefore + 1);

    // Redeemed: main forgets the request; the server shows it spent.
    expect(await app.value('recoveryRequestStatus')).toBeNull();
    expect(await device.api.call('recoveryRequestStatus', { params: { id: filed.id } })).toMatchObject({
      id: filed.id,
      status: 'redeemed',
    });
    expect(
      await refusalCode(
        device.api.call('openRecoverySession', { body: { method: 'helpdesk', requestId: filed.id, code, device: DEVICE } }),
      ),
    ).toBe('request_closed');
    // The session just opened is still the one held (the raw call above bypassed the controller).
    expect(await app.value('currentSession')).toMatchObject({ id: session.id });

    // And the other installation still gets nothing, after the redemption too.
    expect(
      await refusalCode(other.api.call('openRecoverySession', { body: { method: 'helpdesk', requestId: filed.id, code, device: DEVICE } })),
    ).toBe('device_mismatch');
    expect(await otherApp.value('currentSession')).toBeNull();

    const { done } = await registerAndComplete(app);
    expect(done.recoveryCodes).toHaveLength(10);
    expect(device.tokens).toHaveLength(1);
    expectNoneReached(app, device.tokens);
    expectNoneReached(otherApp, device.tokens);
  });

  it('a request the other controller files for the same person does not make the code its own', async () => {
    const { username } = await newEnrolee(server);
    const app = windowOf(newDevice(server.url, { clock }));
    const filed = await app.value('fileRecoveryRequest', { username });
    const code = (await server.services.helpdesk.approve(filed.id, username, await serverAgent(server, 'agent.smith'), CHECKED)).code;
    if (!code) throw new Error('no code');

    const other = newDevice(server.url, { clock });
    const otherApp = windowOf(other);
    const own = await otherApp.value('fileRecoveryRequest', { username });
    expect(own.id).not.toBe(filed.id);
    // Its main names its own (pending) request: the first device's code cannot open anything here.
    expectRefused(await otherApp.call('recover', { method: 'helpdesk', code }), 'request_pending');
    expect(await otherApp.value('currentSession')).toBeNull();
    expect(other.tokens).toEqual([]);

    expect(await app.value('recover', { method: 'helpdesk', code })).toMatchObject({ purpose: 'recover' });
  });
});
