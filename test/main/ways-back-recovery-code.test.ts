import { describe, expect, it } from 'vitest';
import { newDevice } from './support/device.js';
import { newEnrolee } from './support/server.js';
import {
  clock,
  credentialsOf,
  enrolled,
  expectNoneReached,
  refusalCode,
  registerAndComplete,
  server,
  sessionRow,
  sessionsOf,
  useWaysBackServer,
} from './support/ways-back.js';
import { expectRefused, windowOf } from './support/window.js';

/** A way back through main: a saved recovery code opens a `recover` session, whose token stays in main. */

useWaysBackServer();

describe('recover with a saved recovery code', () => {
  it("opens a 'recover' session whose token never reaches the renderer, and completing it retires the lost factor", async () => {
    const first = await enrolled();
    const [code] = first.recoveryCodes;
    if (!code) throw new Error('no recovery code');

    // The person's computer is gone: a new installation, a new device key.
    const device = newDevice(server.url, { clock });
    const app = windowOf(device);
    const session = await app.value('recover', { method: 'recovery-code', username: first.username, code });
    expect(session).toMatchObject({ purpose: 'recover', user: { username: first.username } });
    expect(await app.value('currentSession')).toMatchObject({ id: session.id, purpose: 'recover' });
    const row = await sessionRow(session.id);
    expect(row).toMatchObject({ purpose: 'recover', opened_by: 'recovery-code', completed_at: null, ended_at: null });
    expect(row.device_id).not.toBe(first.deviceId);

    // A rebind belongs to a replace session: the server refuses it, and the session stays.
    expectRefused(await app.call('completeSession', { rebind: true }), 'invalid_request');
    expect(await app.value('currentSession')).toMatchObject({ id: session.id });

    const { credentialId, done } = await registerAndComplete(app);
    expect(done.credentials.map((c) => c.id)).toEqual([credentialId]);
    expect(done.retired).toEqual({ factors: [first.credentialId], devices: [first.deviceId] });
    expect(done.recoveryCodes).toHaveLength(10);
    expect(done.recoveryCodes).not.toContain(code);
    expect(await app.value('currentSession')).toBeNull();
    expect((await credentialsOf(first.username)).map((c) => [c.id, c.status])).toEqual([
      [first.credentialId, 'revoked'],
      [credentialId, 'active'],
    ]);

    expect(device.tokens).toHaveLength(1);
    expectNoneReached(app, device.tokens);
    // The recovery code itself is the person's to type, but main never echoes it back either.
    expect(JSON.stringify(app.answers)).not.toContain(code);
  });

  it('a spent code, a wrong code or an unknown user is one refusal, and no session is held', async () => {
    const first = await enrolled();
    const [code] = first.recoveryCodes;
    if (!code) throw new Error('no recovery code');
    const before = (await sessionsOf(first.username)).length;

    const app = windowOf(newDevice(server.url, { clock }));
    // A known and an unknown username hear the same words, and the same tries left.
    expectRefused(
      await app.call('recover', { method: 'recovery-code', username: first.username, code: 'not-a-code' }),
      'recovery_code_invalid',
      { tries: { beforeWait: 2 } },
    );
    expectRefused(await app.call('recover', { method: 'recovery-code', username: 'no.such.person', code }), 'recovery_code_invalid', {
      tries: { beforeWait: 2 },
    });
    expect(await app.value('currentSession')).toBeNull();
    expect(await sessionsOf(first.username)).toHaveLength(before);

    await app.value('recover', { method: 'recovery-code', username: first.username, code });
    await app.value('endSession');
    // A spent code counts as a wrong one.
    expectRefused(await app.call('recover', { method: 'recovery-code', username: first.username, code }), 'recovery_code_invalid', {
      tries: { beforeWait: 2 },
    });
    expect(await app.value('currentSession')).toBeNull();
  });

  it('recovering while another session is held ends that one first', async () => {
    const first = await enrolled();
    const [code] = first.recoveryCodes;
    if (!code) throw new Error('no recovery code');
    const { code: enrolmentCode } = await newEnrolee(server);
    const device = newDevice(server.url, { clock });
    const app = windowOf(device);
    await app.value('startSession', { code: enrolmentCode });
    const held = device.tokens[0] ?? '';

    const session = await app.value('recover', { method: 'recovery-code', username: first.username, code });
    expect(session.purpose).toBe('recover');
    expect(await refusalCode(device.api.call('getSession', { token: held }))).toBe('session_invalid');
    expect(device.tokens).toHaveLength(2);
    expectNoneReached(app, device.tokens);
  });
});
