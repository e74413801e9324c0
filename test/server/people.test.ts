import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecoveryRequestView } from '../../api/recovery.js';
import { verifyAuditChain } from '../../server/audit.js';
import { Api, expectAnswer, expectRefusal, expectStatus, passkey, securityKey } from '../support/api-harness.js';

/** The help-desk console's look-up of a person and its revocations, over real HTTP on a real database. */
let api: Api;
beforeEach(async () => {
  api = await Api.start();
});
afterEach(() => api.close());

const lookUp = async (username: string) => expectAnswer('getPerson', await api.admin('getPerson', { params: { username } }));

describe('looking up a person', () => {
  it('shows their factors, devices, recent events and open request, and no key thumbprint, code or hash', async () => {
    const laptop = await api.device({ name: 'Ada’s laptop' });
    const key = securityKey();
    const { username, credentialId } = await api.enrolled(laptop, key, 'security-key');
    const loaner = await api.device({ name: 'loaner' });
    const filed = RecoveryRequestView.parse(
      expectStatus(await loaner.call('fileRecoveryRequest', { body: { username, device: loaner.signals } }), 201),
    );

    const person = await lookUp(username);
    expect(person).toMatchObject({ username, displayName: `Person ${username}`, tier: 'standard' });
    expect(person.factors).toEqual([expect.objectContaining({ id: credentialId, kind: 'security-key', status: 'active' })]);
    expect(person.devices).toEqual([expect.objectContaining({ name: 'Ada’s laptop', revokedAt: null })]);
    expect(person.events.map((e) => e.event)).toEqual(expect.arrayContaining(['code.issued', 'factor.registered', 'session.completed']));
    expect(person.openRequests.map((r) => r.reference)).toEqual([filed.reference]);

    const shown = JSON.stringify(person);
    expect(shown).not.toContain(laptop.jkt);
    expect(shown).not.toContain(loaner.jkt);
    expect(shown).not.toMatch(/"(jkt|codeHash|secretHash|token)"/);
  });

  it('an unknown username is 404 and a malformed one 400', async () => {
    expectRefusal(await api.admin('getPerson', { params: { username: 'nobody' } }), 404, 'not_found');
    expectRefusal(await api.admin('getPerson', { params: { username: 'a b' } }), 400, 'invalid_request');
  });

  it('needs an operator: no token is 401', async () => {
    const { username } = await api.enrolled(await api.device(), passkey(), 'passkey');
    const anonymous = await (await api.device()).call('getPerson', { params: { username } });
    expect(anonymous.status).toBe(401);
  });
});

describe('revoking a factor', () => {
  it('with a reason: the key is refused at sign-in from then on, the person is told, the audit names who and why', async () => {
    const laptop = await api.device();
    const key = passkey();
    const { username, credentialId } = await api.enrolled(laptop, key, 'passkey');
    expectStatus(await laptop.authenticate(username, 'manage', key), 201);

    expectStatus(await api.admin('revokeFactor', { params: { id: credentialId }, body: { reason: 'reported stolen' } }), 204);

    // The server no longer offers the revoked credential: the key has nothing it may sign with.
    await expect(laptop.authenticate(username, 'manage', key)).rejects.toThrow(/none of the allowed credentials/);
    expect((await lookUp(username)).factors[0]?.status).toBe('revoked');
    expect((await api.notificationsOf(username)).map((n) => n.kind)).toContain('factor.revoked');
    expect((await api.auditOf(username)).at(-1)).toEqual({
      event: 'factor.revoked',
      actor: 'admin-api',
      details: { credentialId, factor: 'passkey', reason: 'reported stolen' },
    });
    expect(await verifyAuditChain(api.db)).toBeNull();

    expectRefusal(await api.admin('revokeFactor', { params: { id: credentialId }, body: { reason: 'again' } }), 404, 'not_found');
  });

  it('without a reason is refused and nothing changes', async () => {
    const { username, credentialId } = await api.enrolled(await api.device(), passkey(), 'passkey');
    expectRefusal(await api.admin('revokeFactor', { params: { id: credentialId }, body: { reason: '  ' } }), 400, 'invalid_request');
    expectRefusal(await api.admin('revokeFactor', { params: { id: credentialId }, body: {} }), 400, 'invalid_request');
    expect((await lookUp(username)).factors[0]?.status).toBe('active');
  });
});

describe("revoking a person's device", () => {
  it("revokes only a device bound to that person: the device's calls are refused after, the person is told", async () => {
    const mine = await api.device({ name: 'mine' });
    const { username } = await api.enrolled(mine, passkey(), 'passkey');
    const theirs = await api.device({ name: 'theirs' });
    const { username: other } = await api.enrolled(theirs, passkey(), 'passkey');
    const [device] = (await lookUp(username)).devices;
    const [otherDevice] = (await lookUp(other)).devices;

    // Another person's device named under this person: refused, and it keeps working.
    expectRefusal(
      await api.admin('revokePersonDevice', { params: { username, id: otherDevice?.id ?? '' }, body: { reason: 'wrong person' } }),
      404,
      'not_found',
    );
    expect((await lookUp(other)).devices[0]?.revokedAt).toBeNull();

    expectStatus(
      await api.admin('revokePersonDevice', { params: { username, id: device?.id ?? '' }, body: { reason: 'left on a train' } }),
      204,
    );
    expect((await lookUp(username)).devices[0]?.revokedAt).not.toBeNull();
    expectRefusal(await mine.call('authenticationOptions', { body: { username, purpose: 'manage' } }), 403, 'device_revoked');
    expect((await api.notificationsOf(username)).map((n) => n.kind)).toContain('device.revoked');
    expect((await api.auditOf(username)).at(-1)).toEqual({
      event: 'device.revoked',
      actor: 'admin-api',
      details: { deviceId: device?.id, reason: 'left on a train' },
    });
  });
});
