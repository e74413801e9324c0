import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import type { RunningServer } from '../../server/start.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { TestClock } from '../support/test-clock.js';
import { newDevice } from './support/device.js';
import { newEnrolee, startDemoServer } from './support/server.js';
import { expectRefused, windowOf, type AppWindow } from './support/window.js';

/**
 * Issue 14, "A passkey-only person with a new computer has no good path", through main as each
 * window reaches it: two installations, each with its own device key, controller and IPC gate,
 * against the real server. The request ids stay in main: the page of either computer can say
 * only "this code" and "yes" or "no", never which request.
 */
const ORIGIN = DEMO_ENROLMENT_ORIGIN;
const clock = new TestClock('running');
let server: RunningServer;

beforeAll(async () => {
  server = await startDemoServer({}, clock);
});
afterAll(async () => {
  await server.close();
});

/** The old computer: enrolled with a passkey there, then signed in to My security with it. */
async function oldComputer(): Promise<{ username: string; old: AppWindow }> {
  const { username, code } = await newEnrolee(server);
  const old = windowOf(newDevice(server.url, { clock }));
  const passkey = new SoftAuthenticator({ attachment: 'platform' });
  await old.value('startSession', { code });
  const options = await old.value('registrationOptions', { factor: 'passkey' });
  await old.value('verifyRegistration', { factor: 'passkey', response: passkey.create(options, { origin: ORIGIN }) });
  await old.value('completeSession');
  const asked = await old.value('authenticationOptions', { username, purpose: 'manage' });
  await old.value('authenticate', { response: passkey.get(asked, { origin: ORIGIN }) });
  return { username, old };
}

describe('device approval through main', () => {
  it('the new window shows a code and collects the replace session once approved; no request id or token is the page’s to give', async () => {
    const { username, old } = await oldComputer();
    const device = newDevice(server.url, { clock });
    const fresh = windowOf(device);

    expect(await fresh.value('approvalRequestStatus')).toBeNull();
    expectRefused(await fresh.call('collectApproval'), 'no_session');
    const filed = await fresh.value('fileApprovalRequest', { username });
    expect(filed.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expectRefused(await fresh.call('collectApproval'), 'request_pending');

    // The page names no request: an id it adds is refused by the gate, not used.
    expectRefused(await old.call('decideApprovalRequest', { decision: 'approve', id: filed.id }), 'bad_payload');
    expectRefused(await old.call('decideApprovalRequest', { decision: 'approve' }), 'not_found');
    expectRefused(await old.call('findApprovalRequest', { code: 'twelve' }), 'bad_payload');
    const candidate = await old.value('findApprovalRequest', { code: filed.code });
    expect(candidate.id).toBe(filed.id);
    expect(await old.value('decideApprovalRequest', { decision: 'approve' })).toEqual({ id: filed.id, status: 'approved' });
    // One find, one decision: main forgot the request it decided.
    expectRefused(await old.call('decideApprovalRequest', { decision: 'deny' }), 'not_found');

    expect(await fresh.value('approvalRequestStatus')).toMatchObject({ id: filed.id, status: 'approved' });
    const session = await fresh.value('collectApproval');
    expect(session).toMatchObject({ purpose: 'replace', user: { username } });
    expect(await fresh.value('currentSession')).toMatchObject({ id: session.id });
    expectRefused(await fresh.call('collectApproval'), 'no_session');
    expect(device.tokens).toHaveLength(1);
    for (const token of device.tokens) expect(JSON.stringify(fresh.answers)).not.toContain(token);
  });

  it('a denial reaches the new window as its request’s state, and nothing opens', async () => {
    const { username, old } = await oldComputer();
    const fresh = windowOf(newDevice(server.url, { clock }));
    const filed = await fresh.value('fileApprovalRequest', { username });
    await old.value('findApprovalRequest', { code: filed.code.replace(' ', '') });
    expect(await old.value('decideApprovalRequest', { decision: 'deny' })).toEqual({ id: filed.id, status: 'denied' });
    expect(await fresh.value('approvalRequestStatus')).toMatchObject({ status: 'denied' });
    expectRefused(await fresh.call('collectApproval'), 'request_closed');
    expect(await fresh.value('currentSession')).toBeNull();
  });
});
