import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../server/audit.js';
import { Api, expectRefusal, expectStatus, passkey, type Device } from '../support/api-harness.js';
import { send } from '../support/http-client.js';
import { agentAccount, agentToken, bearerHeader, consoleHeader, consoleSignIn, signInReply } from '../support/operators.js';
import type { SoftAuthenticator } from '../support/soft-authenticator.js';
import { CORE_USER, ENTERPRISE_USER, expectScimError, FIRSTKEY_USER, fixture, invitationCodes, scim, scimUser } from './scim-client.js';

let api: Api;

beforeAll(async () => {
  api = await Api.start();
});
afterAll(async () => {
  await api.close();
});

/** A joiner created over SCIM who enrolled a passkey on `device` with the code their invitation carried. */
async function enrolledJoiner(userName: string, device: Device, key: SoftAuthenticator, spareCode = false): Promise<string> {
  const created = await scim(api, 'POST', '/Users', scimUser(userName));
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  // A second code only while the person has no factor: once enrolled, nobody issues them another.
  if (spareCode) await api.enrolmentCode(userName);
  const [code] = await invitationCodes(api, userName);
  expect(code).toBeDefined();
  const token = await device.openEnrolment(code ?? '');
  await device.register(token, 'passkey', key);
  await device.complete(token);
  return created.body.id as string;
}

async function credentialOf(userId: string): Promise<string> {
  return (await api.db.selectFrom('credentials').select('id').where('user_id', '=', userId).executeTakeFirstOrThrow()).id;
}

describe('SCIM Users: joiners', () => {
  it('POST creates the user with the mapped attributes, answers 201 with Location and the resource, and sends the code only to the outbox', async () => {
    const reply = await scim(api, 'POST', '/Users', {
      ...scimUser('Joan.Clarke', { externalId: 'ext-joan', userType: 'Contractor', roles: [{ value: 'analyst', primary: true }] }),
      schemas: [CORE_USER, ENTERPRISE_USER, FIRSTKEY_USER],
      [ENTERPRISE_USER]: { manager: { value: 'alan.turing' } },
      [FIRSTKEY_USER]: { endDate: '2031-12-31' },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    const id = reply.body.id as string;
    expect(reply.headers.get('location')).toMatch(new RegExp(`/scim/v2/Users/${id}$`));
    expect(reply.body).toMatchObject({
      userName: 'Joan.Clarke',
      externalId: 'ext-joan',
      active: true,
      userType: 'Contractor',
      roles: [{ value: 'analyst', primary: true }],
      emails: [{ value: 'joan.clarke@corp.example', primary: true }],
      [ENTERPRISE_USER]: { manager: { value: 'alan.turing' } },
      [FIRSTKEY_USER]: { endDate: '2031-12-31', accountKind: 'human' },
      meta: { resourceType: 'User' },
    });
    const user = await api.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(user).toMatchObject({ username: 'Joan.Clarke', role: 'analyst', employment_type: 'contractor', account_kind: 'human' });

    // The code reaches the person's mailbox through the outbox, and nowhere else the caller sees.
    const codes = await invitationCodes(api, 'Joan.Clarke');
    expect(codes).toHaveLength(1);
    const code = codes[0] ?? '';
    expect(JSON.stringify(reply.body)).not.toContain(code.replace(/-/g, '').slice(4));
    const trail = await api.auditOf('Joan.Clarke');
    expect(trail.map((e) => e.event)).toEqual(['user.created', 'code.issued']);
    expect(trail.every((e) => e.actor === 'admin-api')).toBe(true);
    expect(JSON.stringify(trail)).not.toContain(code);
    // The code works: it opens an enrolment session.
    const device = await api.device();
    expect(await device.openEnrolment(code)).toBeTruthy();
  });

  it('a service account (FirstKey accountKind: service) gets no code', async () => {
    const reply = await scim(api, 'POST', '/Users', {
      ...scimUser('build-bot'),
      schemas: [CORE_USER, FIRSTKEY_USER],
      [FIRSTKEY_USER]: { accountKind: 'service' },
    });
    expect(reply.status).toBe(201);
    expect(reply.body[FIRSTKEY_USER]).toMatchObject({ accountKind: 'service' });
    expect(await api.notificationsOf('build-bot')).toEqual([]);
  });

  it('an inactive joiner is created without a code', async () => {
    const reply = await scim(api, 'POST', '/Users', scimUser('not.yet', { active: false }));
    expect(reply.status).toBe(201);
    expect(reply.body.active).toBe(false);
    expect(await invitationCodes(api, 'not.yet')).toEqual([]);
  });

  it('GET by id, GET with filter on userName (any case) and externalId, and pages with startIndex and count', async () => {
    const created = await scim(api, 'POST', '/Users', scimUser('Pager.One', { externalId: 'ext-pager-1' }));
    const id = created.body.id as string;
    const got = await scim(api, 'GET', `/Users/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id, userName: 'Pager.One' });

    const byName = await scim(api, 'GET', `/Users?filter=${encodeURIComponent('userName eq "pager.one"')}`);
    expect(byName.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 1, startIndex: 1 });
    expect(byName.body.Resources?.[0]?.id).toBe(id);
    const byExternal = await scim(api, 'GET', `/Users?filter=${encodeURIComponent('externalId eq "ext-pager-1"')}`);
    expect(byExternal.body.Resources?.map((r) => r.id)).toEqual([id]);
    // externalId is case-exact: another case finds nobody.
    const otherCase = await scim(api, 'GET', `/Users?filter=${encodeURIComponent('externalId eq "EXT-PAGER-1"')}`);
    expect(otherCase.body).toMatchObject({ totalResults: 0, Resources: [] });
    const nobody = await scim(api, 'GET', `/Users?filter=${encodeURIComponent('userName eq "no.such.person"')}`);
    expect(nobody.body).toMatchObject({ totalResults: 0, itemsPerPage: 0 });

    for (const n of [2, 3, 4]) await scim(api, 'POST', '/Users', scimUser(`Pager.${n}`));
    const all = await scim(api, 'GET', '/Users?startIndex=1&count=1000');
    const total = all.body.totalResults as number;
    expect(all.body.Resources).toHaveLength(total);
    const second = await scim(api, 'GET', '/Users?startIndex=2&count=2');
    expect(second.body).toMatchObject({ totalResults: total, startIndex: 2, itemsPerPage: 2 });
    expect(second.body.Resources?.map((r) => r.id)).toEqual(all.body.Resources?.slice(1, 3).map((r) => r.id));
    const none = await scim(api, 'GET', '/Users?count=0');
    expect(none.body).toMatchObject({ totalResults: total, itemsPerPage: 0, Resources: [] });
  });
});

describe('SCIM Users: leavers', () => {
  it('PATCH active false revokes every factor, device and session at once: the leaver device is refused over HTTP at once', async () => {
    const device = await api.device();
    const key = passkey();
    const id = await enrolledJoiner('leaver.one', device, key, true);
    const manage = await device.sessionWith('leaver.one', 'manage', key);
    expect((await device.call('securityOverview', { token: manage })).status).toBe(200);
    // Open things the leaver path must end too: a help-desk request and the spare enrolment code.
    const other = await api.device();
    expect((await other.call('fileRecoveryRequest', { body: { username: 'leaver.one', device: other.signals } })).status).toBe(201);

    const patched = await scim(api, 'PATCH', `/Users/${id}`, fixture('entra-patch-disable.json'));
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.active).toBe(false);

    // The very next call of the session that was live a moment ago is refused, and so is the device key itself.
    expectRefusal(await device.call('securityOverview', { token: manage }), 401, 'session_invalid');
    expectRefusal(
      await device.call('authenticationOptions', { body: { username: 'leaver.one', purpose: 'manage' } }),
      403,
      'device_revoked',
    );
    // On another device, the passkey (answering options that no longer name it) signs nobody in.
    const elsewhere = await api.device();
    const credentialId = await credentialOf(id);
    expectRefusal(await elsewhere.authenticate('leaver.one', 'manage', key, { credentialId }), 400, 'verification_failed');

    const factors = await api.db.selectFrom('credentials').select('status').where('user_id', '=', id).execute();
    expect(factors.map((f) => f.status)).toEqual(['revoked']);
    const codes = await api.db
      .selectFrom('enrolment_codes')
      .select('expires_at')
      .where('user_id', '=', id)
      .where('used_at', 'is', null)
      .execute();
    expect(codes.every((c) => c.expires_at <= api.clock.now().toISOString())).toBe(true);
    const requests = await api.db.selectFrom('recovery_requests').select('status').where('user_id', '=', id).execute();
    expect(requests.map((r) => r.status)).toEqual(['denied']);
    const deactivated = (await api.auditOf('leaver.one')).find((e) => e.event === 'user.deactivated');
    expect(deactivated).toMatchObject({ actor: 'admin-api', details: { reason: 'scim', factors: 1, devices: 1, recoveryRequests: 1 } });
    expect(deactivated?.details.sessions).toBeGreaterThanOrEqual(1);
    // An admin cannot hand a leaver a code.
    expectRefusal(await api.admin('issueCode', { body: { username: 'leaver.one' } }), 403, 'account_inactive');
    expect(await verifyAuditChain(api.db)).toBeNull();
  });

  it('an agent who leaves: their console session ends and their API token is revoked, refused at the next call and after a return', async () => {
    const agent = await agentAccount(api, 'helpdesk', 'leaving.agent');
    const userId = (await api.db.selectFrom('users').select('id').where('username', '=', agent.username).executeTakeFirstOrThrow()).id;
    const { token: consoleToken } = await consoleSignIn(api, agent);
    const { token: apiToken } = await agentToken(api, agent.username, ['people:read']);
    const lookUp = (headers: Record<string, string>) =>
      send(api.server.url, 'getPerson', { params: { username: agent.username }, headers });
    expectStatus(await lookUp(consoleHeader(consoleToken)), 200);
    expectStatus(await lookUp(bearerHeader(apiToken)), 200);

    expect((await scim(api, 'PATCH', `/Users/${userId}`, fixture('okta-patch-deactivate.json'))).status).toBe(200);

    expectRefusal(await lookUp(consoleHeader(consoleToken)), 401, 'unauthorized');
    expectRefusal(await lookUp(bearerHeader(apiToken)), 401, 'unauthorized');
    const sessions = await api.db.selectFrom('console_sessions').select('ended_at').where('user_id', '=', userId).execute();
    expect(sessions).toEqual([{ ended_at: api.clock.now().toISOString() }]);
    const tokens = await api.db.selectFrom('api_tokens').select('revoked_at').where('user_id', '=', userId).execute();
    expect(tokens).toEqual([{ revoked_at: api.clock.now().toISOString() }]);
    const deactivated = (await api.auditOf(agent.username)).find((e) => e.event === 'user.deactivated');
    expect(deactivated?.details).toMatchObject({ consoleSessions: 1, apiTokens: 1, operatorRoles: 1 });

    // Made active again, neither comes back: both were ended, not merely hidden while they were away.
    expect((await scim(api, 'PATCH', `/Users/${userId}`, fixture('okta-patch-reactivate.json'))).status).toBe(200);
    expectRefusal(await lookUp(consoleHeader(consoleToken)), 401, 'unauthorized');
    expectRefusal(await lookUp(bearerHeader(apiToken)), 401, 'unauthorized');
    expect(await verifyAuditChain(api.db)).toBeNull();
  });

  it('a SCIM token cannot make an admin of itself: an email swap, a leave and a return bring back no operator role', async () => {
    const victim = await agentAccount(api, 'admin', 'swapped.admin');
    const userId = (await api.db.selectFrom('users').select('id').where('username', '=', victim.username).executeTakeFirstOrThrow()).id;
    const patch = (Operations: unknown[]) =>
      scim(api, 'PATCH', `/Users/${userId}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations });
    expect((await patch([{ op: 'replace', path: 'emails[type eq "work"].value', value: 'attacker@evil.example' }])).status).toBe(200);
    expect((await patch([{ op: 'replace', path: 'active', value: false }])).status).toBe(200);
    expect((await patch([{ op: 'replace', path: 'active', value: true }])).status).toBe(200);
    // The invitation went to the new address, and whoever reads it enrols a key of their own...
    const [code] = (await invitationCodes(api, victim.username)).slice(-1);
    const device = await api.device();
    const token = await device.openEnrolment(code ?? '');
    const theirs = passkey();
    const credentialId = await device.register(token, 'passkey', theirs);
    await device.complete(token);
    // ...but the account holds no role any more: the console refuses it.
    expect(await api.db.selectFrom('operator_roles').select('role').where('user_id', '=', userId).execute()).toEqual([]);
    // The new key signs the console's options, and the console refuses it as it refuses an unknown name.
    const { reply } = await signInReply(api, { username: victim.username, key: theirs, credentialId });
    expectRefusal(reply, 400, 'verification_failed');
    expect(await api.db.selectFrom('console_sessions').select('id').where('user_id', '=', userId).execute()).toEqual([]);
  });

  it('sessions opened while the deactivation runs are refused or ended by it: none outlives it', async () => {
    const created = await scim(api, 'POST', '/Users', scimUser('racing.leaver'));
    const id = created.body.id as string;
    const codes = [...(await invitationCodes(api, 'racing.leaver'))];
    for (let i = 0; i < 7; i++) codes.push(await api.enrolmentCode('racing.leaver'));
    const devices = await Promise.all(codes.map(() => api.device()));
    const opened = devices.map((device, i) => device.call('openSession', { body: { code: codes[i], device: device.signals } }));
    const deactivated = scim(api, 'PATCH', `/Users/${id}`, fixture('okta-patch-deactivate.json'));
    const replies = await Promise.all(opened);
    expect((await deactivated).status).toBe(200);
    for (const reply of replies) expect([201, 403, 410]).toContain(reply.status);
    const live = await api.db.selectFrom('sessions').select('id').where('user_id', '=', id).where('ended_at', 'is', null).execute();
    expect(live).toEqual([]);
  });

  it('to a stranger, a leaver looks like a username that does not exist', async () => {
    const device = await api.device();
    await enrolledJoiner('leaver.two', device, passkey());
    const id = (await scim(api, 'GET', `/Users?filter=${encodeURIComponent('userName eq "leaver.two"')}`)).body.Resources?.[0]
      ?.id as string;
    await scim(api, 'PATCH', `/Users/${id}`, fixture('okta-patch-deactivate.json'));
    const stranger = await api.device();
    const left = await stranger.call('authenticationOptions', { body: { username: 'leaver.two', purpose: 'manage' } });
    const unknown = await stranger.call('authenticationOptions', { body: { username: 'never.existed', purpose: 'manage' } });
    expect(left.status).toBe(200);
    expect(unknown.status).toBe(200);
    const shape = (b: unknown) => Object.keys((b as { options: Record<string, unknown> }).options).sort();
    expect(shape(left.body)).toEqual(shape(unknown.body));
    const filedLeft = await stranger.call('fileRecoveryRequest', { body: { username: 'leaver.two', device: stranger.signals } });
    const filedUnknown = await stranger.call('fileRecoveryRequest', { body: { username: 'never.existed', device: stranger.signals } });
    expect(filedLeft.status).toBe(filedUnknown.status);
    expect(Object.keys(filedLeft.body as object).sort()).toEqual(Object.keys(filedUnknown.body as object).sort());
    // Nothing of theirs links the filing to them: it names no user, as for a stranger's.
    const row = await api.db
      .selectFrom('recovery_requests')
      .select('user_id')
      .where('username', '=', 'leaver.two')
      .executeTakeFirstOrThrow();
    expect(row.user_id).toBeNull();
  });

  it('re-activation (Okta no-path PATCH) makes the user active with no factor and a new code; they enrol anew', async () => {
    const device = await api.device();
    const oldKey = passkey();
    const id = await enrolledJoiner('returner', device, oldKey);
    await scim(api, 'PATCH', `/Users/${id}`, fixture('okta-patch-deactivate.json'));
    const back = await scim(api, 'PATCH', `/Users/${id}`, fixture('okta-patch-reactivate.json'));
    expect(back.status).toBe(200);
    expect(back.body.active).toBe(true);
    const trail = await api.auditOf('returner');
    expect(trail.map((e) => e.event)).toContain('user.reactivated');
    expect(trail.find((e) => e.event === 'user.reactivated')?.details).toMatchObject({ activeFactors: 0 });
    // The old passkey stays revoked; a new device enrols with the new code.
    const codes = await invitationCodes(api, 'returner');
    expect(codes).toHaveLength(2);
    const fresh = await api.device();
    const credentialId = await credentialOf(id);
    expectRefusal(await fresh.authenticate('returner', 'manage', oldKey, { credentialId }), 400, 'verification_failed');
    const newKey = passkey();
    const token = await fresh.openEnrolment(codes[1] ?? '');
    await fresh.register(token, 'passkey', newKey);
    await fresh.complete(token);
    expect(await fresh.sessionWith('returner', 'manage', newKey)).toBeTruthy();
    // The first code, from before they left, ended with the leaver path.
    expectRefusal(await (await api.device()).call('openSession', { body: { code: codes[0], device: fresh.signals } }), 410, 'code_used');
  });

  it('PUT replaces what it names and removes what it leaves out; userName cannot change', async () => {
    const created = await scim(api, 'POST', '/Users', {
      ...scimUser('put.me', { externalId: 'ext-put' }),
      schemas: [CORE_USER, ENTERPRISE_USER],
      [ENTERPRISE_USER]: { manager: { value: 'boss' } },
    });
    const id = created.body.id as string;
    // Plain application/json too: some clients send it for SCIM bodies.
    const put = await scim(
      api,
      'PUT',
      `/Users/${id}`,
      {
        schemas: [CORE_USER],
        userName: 'PUT.ME',
        name: { givenName: 'Put', familyName: 'Replaced' },
        userType: 'Contractor',
        roles: [{ value: 'finance' }],
      },
      { contentType: 'application/json' },
    );
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({
      userName: 'put.me',
      displayName: 'Put Replaced',
      userType: 'Contractor',
      roles: [{ value: 'finance' }],
    });
    expect(put.body.externalId).toBeUndefined();
    expect(put.body.emails).toBeUndefined();
    expect(put.body[ENTERPRISE_USER]).toEqual({});
    expectScimError(await scim(api, 'PUT', `/Users/${id}`, scimUser('someone.else')), 400, 'mutability');
    const updated = (await api.auditOf('put.me')).find((e) => e.event === 'user.updated');
    expect(updated?.details.fields).toEqual(expect.stringContaining('role'));
  });

  it('DELETE deactivates and hides the user from SCIM; the row and its audit trail stay; a second DELETE is 404', async () => {
    const device = await api.device();
    const id = await enrolledJoiner('deleted.one', device, passkey());
    const deleted = await scim(api, 'DELETE', `/Users/${id}`);
    expect(deleted.status).toBe(204);
    expectScimError(await scim(api, 'GET', `/Users/${id}`), 404);
    expectScimError(await scim(api, 'DELETE', `/Users/${id}`), 404);
    expect((await scim(api, 'GET', `/Users?filter=${encodeURIComponent('userName eq "deleted.one"')}`)).body.totalResults).toBe(0);
    const trail = await api.auditOf('deleted.one');
    expect(trail.map((e) => e.event)).toEqual(
      expect.arrayContaining(['user.created', 'factor.registered', 'user.deactivated', 'user.deleted']),
    );
    expect((await device.call('securityOverview', {})).status).toBeGreaterThanOrEqual(400);
    // Provisioned again later: the same row comes back, active, with a new code.
    const again = await scim(api, 'POST', '/Users', scimUser('deleted.one'));
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ id, active: true });
    expect(await invitationCodes(api, 'deleted.one')).toHaveLength(2);
  });
});

describe('SCIM discovery', () => {
  it('ServiceProviderConfig, ResourceTypes and Schemas describe what the endpoint does', async () => {
    const config = await scim(api, 'GET', '/ServiceProviderConfig');
    expect(config.status).toBe(200);
    expect(config.body).toMatchObject({ patch: { supported: true }, bulk: { supported: false }, filter: { supported: true } });
    const types = await scim(api, 'GET', '/ResourceTypes');
    expect(types.body.Resources?.[0]).toMatchObject({ id: 'User', endpoint: '/Users', schema: CORE_USER });
    const schemas = await scim(api, 'GET', '/Schemas');
    expect(schemas.body.Resources?.map((s) => s.id)).toEqual([CORE_USER, ENTERPRISE_USER, FIRSTKEY_USER]);
    expect((await scim(api, 'GET', `/Schemas/${FIRSTKEY_USER}`)).status).toBe(200);
  });
});
