import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import { IntrospectionResponse } from '../../api/operations/emergency-access.js';
import type { RunningServer } from '../../server/start.js';
import { send } from '../support/http-client.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { TestClock } from '../support/test-clock.js';
import { newDevice, type Device } from './support/device.js';
import { newEnrolee, startDemoServer } from './support/server.js';
import { expectRefused, windowOf, type AppWindow } from './support/window.js';

/**
 * Issue 15, the owner's side of emergency access through main, as My security reaches it: the
 * manage session's token stays in main and signs every call; the page names only grants main showed
 * it, and gets the service account's access token once, when it collects it.
 */
const ORIGIN = DEMO_ENROLMENT_ORIGIN;
const REASON = 'Payments batch stuck since 02:00, rerun by hand';
const clock = new TestClock('running');
let server: RunningServer;
/** An admin's own API token (another person than any owner), for approving. */
let adminToken: string;
/** A system's API token that may only introspect. */
let systemToken: string;

beforeAll(async () => {
  server = await startDemoServer({}, clock);
  const { services } = server;
  await services.accounts.createUser({ username: 'ida.admin', displayName: 'Ida Admin', role: 'engineer' }, 'test');
  await services.operatorRoles.grant('ida.admin', 'admin', 'test');
  adminToken = (await services.apiTokens.issue('ida.admin', { name: 'approvals', scopes: ['emergency:decide', 'emergency:read'] }, 'test'))
    .token;
  systemToken = (await services.apiTokens.issue('ida.admin', { name: 'gateway', scopes: ['emergency:introspect'] }, 'test')).token;
});
afterAll(async () => {
  await server.close();
});

interface Person {
  username: string;
  device: Device;
  app: AppWindow;
  passkey: SoftAuthenticator;
}

/** Enrolled with a passkey on their own computer, then signed in to My security with it. */
async function inMySecurity(): Promise<Person> {
  const { username, code } = await newEnrolee(server);
  const device = newDevice(server.url, { clock });
  const app = windowOf(device);
  const passkey = new SoftAuthenticator({ attachment: 'platform' });
  await app.value('startSession', { code });
  const options = await app.value('registrationOptions', { factor: 'passkey' });
  await app.value('verifyRegistration', { factor: 'passkey', response: passkey.create(options, { origin: ORIGIN }) });
  await app.value('completeSession');
  const person = { username, device, app, passkey };
  await signInAgain(person);
  return person;
}

async function signInAgain({ username, app, passkey }: Person): Promise<void> {
  const asked = await app.value('authenticationOptions', { username, purpose: 'manage' });
  await app.value('authenticate', { response: passkey.get(asked, { origin: ORIGIN }) });
}

let services = 0;
async function serviceAccountOwnedBy(owner: string): Promise<string> {
  const username = `svc.batch-${++services}`;
  await server.services.accounts.createUser({ username, displayName: 'Payments batch', role: 'service', accountKind: 'service' }, 'test');
  await server.services.emergencyAccess.setOwner(username, owner, 'test');
  return username;
}

async function approve(reference: string): Promise<void> {
  const reply = await send(server.url, 'approveEmergencyAccess', {
    params: { id: reference },
    body: { reason: 'confirmed with the on-call lead' },
    adminToken,
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
}

async function introspect(token: string): Promise<IntrospectionResponse> {
  const reply = await send(server.url, 'introspectEmergencyToken', { body: { token }, adminToken: systemToken });
  expect(reply.status).toBe(200);
  return IntrospectionResponse.parse(reply.body);
}

/** The session tokens the server gave this computer (the access token it collected is the page's to show). */
const sessionTokens = (device: Device) => device.tokens.filter((token) => !token.startsWith('fke_'));

describe('emergency access through main', () => {
  it('the owner asks, collects the token once after approval and ends it; the session token never reaches the page', async () => {
    const owner = await inMySecurity();
    const service = await serviceAccountOwnedBy(owner.username);

    const mine = await owner.app.value('myEmergencyAccess');
    expect(mine).toMatchObject({ serviceAccounts: [{ username: service }], grants: [], maxMinutes: 60, defaultMinutes: 60 });

    const asked = await owner.app.value('requestEmergencyAccess', { serviceAccount: service, reason: REASON, minutes: 30 });
    expect(asked).toMatchObject({ status: 'requested', serviceAccount: service, owner: owner.username, minutes: 30 });
    expectRefused(await owner.app.call('activateEmergencyAccess', { id: asked.id }), 'emergency_not_approved');

    await approve(asked.reference);
    const collected = await owner.app.value('activateEmergencyAccess', { id: asked.id });
    expect(collected.grant.status).toBe('active');
    expect(await introspect(collected.token)).toMatchObject({ active: true, sub: service, act: { sub: owner.username } });
    // Once: the page cannot collect it again.
    expectRefused(await owner.app.call('activateEmergencyAccess', { id: asked.id }), 'request_closed');

    expect(await owner.app.value('endEmergencyAccess', { id: asked.id })).toMatchObject({ status: 'ended', endedBy: owner.username });
    expect(await introspect(collected.token)).toEqual({ active: false });

    const tokens = sessionTokens(owner.device);
    expect(tokens.length).toBeGreaterThan(0);
    const answers = JSON.stringify(owner.app.answers);
    for (const token of tokens) expect(answers).not.toContain(token);
  });

  it('a page names only grants main showed it in this session, and never adds anything to the call', async () => {
    const owner = await inMySecurity();
    const service = await serviceAccountOwnedBy(owner.username);
    const asked = await owner.app.value('requestEmergencyAccess', { serviceAccount: service, reason: REASON, minutes: 15 });
    await approve(asked.reference);

    // Another of the owner's grants, asked from another computer: this window was never shown it.
    const elsewhere = windowOf(newDevice(server.url, { clock }));
    const second = await serviceAccountOwnedBy(owner.username);
    const other = await inMySecurityAs(owner, elsewhere);
    const foreign = await other.value('requestEmergencyAccess', { serviceAccount: second, reason: REASON, minutes: 15 });
    await approve(foreign.reference);
    expectRefused(await owner.app.call('activateEmergencyAccess', { id: foreign.id }), 'not_found');
    expectRefused(await owner.app.call('activateEmergencyAccess', { id: foreign.reference }), 'not_found');
    expectRefused(await owner.app.call('endEmergencyAccess', { id: foreign.id }), 'not_found');

    // The page cannot point the call elsewhere or reach for a token: extra fields are refused at the gate.
    expectRefused(await owner.app.call('activateEmergencyAccess', { id: asked.id, token: 'x' }), 'bad_payload');
    expectRefused(await owner.app.call('requestEmergencyAccess', { serviceAccount: service, reason: 'short', minutes: 30 }), 'bad_payload');
    expectRefused(await owner.app.call('requestEmergencyAccess', { serviceAccount: service, reason: REASON, minutes: 2 }), 'bad_payload');

    // A new session starts with nothing shown, until My security lists the grants again.
    await signInAgain(owner);
    expectRefused(await owner.app.call('activateEmergencyAccess', { id: asked.id }), 'not_found');
    const listed = await owner.app.value('myEmergencyAccess');
    expect(listed.grants.map((g) => g.id)).toEqual(expect.arrayContaining([asked.id, foreign.id]));
    expect((await owner.app.value('activateEmergencyAccess', { id: asked.id })).grant.status).toBe('active');
  });

  it('someone who owns no service account sees none and may ask for none', async () => {
    const owner = await inMySecurity();
    const service = await serviceAccountOwnedBy(owner.username);
    const stranger = await inMySecurity();
    expect(await stranger.app.value('myEmergencyAccess')).toMatchObject({ serviceAccounts: [], grants: [] });
    expectRefused(
      await stranger.app.call('requestEmergencyAccess', { serviceAccount: service, reason: REASON, minutes: 30 }),
      'not_service_owner',
    );
  });

  it('without a session there is nothing to ask with', async () => {
    const app = windowOf(newDevice(server.url, { clock }));
    expectRefused(await app.call('myEmergencyAccess'), 'no_session');
    expectRefused(await app.call('endEmergencyAccess', { id: 'g1' }), 'no_session');
  });
});

/** The same person signing in to My security in another window (their passkey, another computer). */
async function inMySecurityAs(person: Person, app: AppWindow): Promise<AppWindow> {
  const asked = await app.value('authenticationOptions', { username: person.username, purpose: 'manage' });
  await app.value('authenticate', { response: person.passkey.get(asked, { origin: ORIGIN }) });
  return app;
}
