import { describe, expect, it } from 'vitest';
import { breakGlassCommands } from '../../server/admin/break-glass-commands.js';
import { type Api, expectAnswer, expectRefusal, expectStatus, passkey, securityKey } from '../support/api-harness.js';
import { agentAccount, agentToken, bearerHeader, consoleHeader, consoleSignIn } from '../support/operators.js';
import { send } from '../support/http-client.js';
import { TEST_ORIGIN } from '../support/service-harness.js';
import { sessionReference } from '../../server/break-glass/session-reference.js';
import { breakGlassBench } from './break-glass-support.js';
import { expectScimError, FIRSTKEY_USER, scim, scimUser } from './scim-client.js';

/**
 * Issue 15, break-glass accounts over the real HTTP API: one supervised ceremony (two custodians
 * with their own fresh console sign-in, or a kiosk operator), at least two labelled trusted keys,
 * no way back but the keys, and every use notified.
 */

const bench = breakGlassBench();
const { trustedKey, openCeremony, custodian, supervise, labelled, kioskCeremony, enrolledBreakGlass } = bench;
let api: Api;
const start = async (): Promise<Api> => (api = await bench.start());

describe('Break-glass: one supervised ceremony', () => {
  it('two custodians, two labelled keys: completes without recovery codes, the ceremony audited with both custodians', async () => {
    await start();
    const { username, device, token } = await openCeremony();
    const a = await custodian();
    const b = await custodian();
    expect(expectAnswer('superviseBreakGlass', await supervise(username, consoleHeader(a.console)))).toMatchObject({
      custodians: [a.agent.username],
      supervised: false,
    });
    api.clock.advance(1);
    expect(expectAnswer('superviseBreakGlass', await supervise(username, consoleHeader(b.console)))).toMatchObject({
      custodians: [a.agent.username, b.agent.username],
      supervised: true,
    });
    await labelled(username, device, token, 'CISO J. Doe', 'Safe A, Berlin');
    await labelled(username, device, token, 'CTO M. Roe', 'Safe B, Paris');
    const done = await device.complete(token);
    expect(done.credentials).toHaveLength(2);
    expect(done.recoveryCodes).toBeUndefined();
    const trail = await api.auditOf(username);
    expect(trail.filter((e) => e.event === 'break_glass.supervised').map((e) => e.actor)).toEqual([
      `account:${a.agent.username}`,
      `account:${b.agent.username}`,
    ]);
    expect(trail.find((e) => e.event === 'break_glass.enrolled')?.details).toMatchObject({
      supervision: 'custodians',
      custodians: `${a.agent.username}, ${b.agent.username}`,
      keys: 2,
    });
    expect(trail.some((e) => e.event === 'recovery.codes_issued')).toBe(false);
  });

  it('the console reads where the ceremony stands: no session, then custodians and keys in order with their labels, then keys in use', async () => {
    await start();
    const view = async (username: string, headers: Record<string, string>) =>
      expectAnswer('breakGlassCeremony', await send(api.server.url, 'breakGlassCeremony', { params: { username }, headers }));
    const a = await custodian();
    const headers = consoleHeader(a.console);
    const body = { username: 'emergency-view', displayName: 'Emergency access', role: 'admin', accountKind: 'break-glass' };
    expectStatus(await api.admin('createUser', { body }), 201);
    expect(await view('emergency-view', headers)).toMatchObject({
      session: null,
      custodians: [],
      supervised: false,
      keys: [],
      keysRequired: 2,
    });

    const device = await api.device();
    const token = await device.openEnrolment(await api.enrolmentCode('emergency-view'));
    expectStatus(await supervise('emergency-view', headers), 200);
    const first = await labelled('emergency-view', device, token, 'CISO J. Doe', 'Safe A, Berlin');
    api.clock.advance(1);
    const second = await device.register(token, 'security-key', trustedKey());
    const open = await view('emergency-view', headers);
    expect(open.session?.expiresAt).toBe(
      (
        await api.db
          .selectFrom('sessions')
          .select('expires_at')
          .where('id', '=', open.session?.id ?? '')
          .executeTakeFirstOrThrow()
      ).expires_at,
    );
    expect(open).toMatchObject({ displayName: 'Emergency access', custodians: [a.agent.username], supervised: false });
    expect(open.keys).toEqual([
      expect.objectContaining({ factorId: first.id, status: 'pending', custodian: 'CISO J. Doe', location: 'Safe A, Berlin' }),
      expect.objectContaining({ factorId: second, status: 'pending', custodian: null, location: null }),
    ]);

    expectStatus(await supervise('emergency-view', consoleHeader((await custodian()).console)), 200);
    expectStatus(
      await api.admin('labelBreakGlassKey', {
        params: { username: 'emergency-view', id: second },
        body: { custodian: 'CTO', location: 'Safe B' },
      }),
      200,
    );
    await device.complete(token);
    const done = await view('emergency-view', headers);
    expect(done.session).toBeNull();
    expect(done.keys.map((k) => [k.factorId, k.status])).toEqual([
      [first.id, 'active'],
      [second, 'active'],
    ]);
    // Another kind of account is not read here; a help-desk agent cannot read it at all.
    const person = await api.enrolled(await api.device(), passkey(), 'passkey');
    expectRefusal(
      await send(api.server.url, 'breakGlassCeremony', { params: { username: person.username }, headers }),
      400,
      'invalid_request',
    );
    const helpdesk = await agentAccount(api, 'helpdesk');
    expectRefusal(
      await send(api.server.url, 'breakGlassCeremony', {
        params: { username: 'emergency-view' },
        headers: consoleHeader((await consoleSignIn(api, helpdesk)).token),
      }),
      403,
      'forbidden',
    );
  });

  it('at a kiosk station the operator is one of two people: a custodian who is someone else confirms too', async () => {
    await start();
    const username = 'emergency-kiosk';
    const { station, token, operator } = await kioskCeremony(username, 'admin');
    const operatorName = operator.username;
    await labelled(username, station, token, 'CISO J. Doe', 'Safe A, Berlin');
    await labelled(username, station, token, 'CTO M. Roe', 'Safe B, Paris');
    // The operator alone is one person, even when she also confirms as a custodian from the console.
    expectRefusal(await station.completion(token), 403, 'break_glass_unsupervised');
    const herself = (await consoleSignIn(api, operator)).token;
    expectStatus(await supervise(username, consoleHeader(herself)), 200);
    expectRefusal(await station.completion(token), 403, 'break_glass_unsupervised');
    const other = await custodian();
    expectStatus(await supervise(username, consoleHeader(other.console)), 200);
    const done = await station.complete(token);
    expect(done.recoveryCodes).toBeUndefined();
    const trail = await api.auditOf(username);
    expect(trail.find((e) => e.event === 'break_glass.enrolled')?.details).toMatchObject({
      supervision: 'kiosk',
      kioskOperator: operatorName,
      custodians: `${operatorName}, ${other.agent.username}`,
    });
  });

  it('SCIM cannot create one: an identity provider does not mint emergency accounts', async () => {
    await start();
    const body = scimUser('idp.emergency', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', FIRSTKEY_USER],
      [FIRSTKEY_USER]: { accountKind: 'break-glass' },
    });
    const reply = await scim(api, 'POST', '/Users', body);
    expectScimError(reply, 400, 'invalidValue');
    expect(JSON.stringify(reply.body)).toContain('accountKind');
    expect(await api.db.selectFrom('users').select('id').where('username', '=', 'idp.emergency').executeTakeFirst()).toBeUndefined();
  });

  it('SCIM can neither see, change nor delete one: it must outlive its identity provider', async () => {
    await start();
    const body = { username: 'emergency-scim', displayName: 'Emergency access', role: 'admin', accountKind: 'break-glass' };
    expectStatus(await api.admin('createUser', { body }), 201);
    const { id } = await api.db.selectFrom('users').select('id').where('username', '=', 'emergency-scim').executeTakeFirstOrThrow();
    const patch = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    };
    expectScimError(await scim(api, 'GET', `/Users/${id}`), 404);
    expectScimError(await scim(api, 'PATCH', `/Users/${id}`, patch), 404);
    expectScimError(await scim(api, 'PUT', `/Users/${id}`, scimUser('emergency-scim', { active: false })), 404);
    expectScimError(await scim(api, 'DELETE', `/Users/${id}`), 404);
    const listed = await scim(api, 'GET', '/Users?filter=userName%20eq%20%22emergency-scim%22');
    expect(listed.body).toMatchObject({ totalResults: 0 });
    expectScimError(await scim(api, 'POST', '/Users', scimUser('emergency-scim')), 409, 'uniqueness');
    const state = await api.db.selectFrom('user_provisioning').select('deactivated_at').where('user_id', '=', id).executeTakeFirst();
    expect(state?.deactivated_at ?? null).toBeNull();
  });

  it('cannot finish with one key, even supervised', async () => {
    await start();
    const { username, device, token } = await openCeremony();
    for (const c of [await custodian(), await custodian()]) expectStatus(await supervise(username, consoleHeader(c.console)), 200);
    await labelled(username, device, token, 'CISO J. Doe', 'Safe A, Berlin');
    expectRefusal(await device.completion(token), 409, 'break_glass_keys_required');
    // Refused, not spent: a second key and it completes.
    await labelled(username, device, token, 'CTO M. Roe', 'Safe B, Paris');
    expectStatus(await device.completion(token), 200);
  });

  it('an unsupervised session is refused, and one custodian confirming twice is still one', async () => {
    await start();
    const { username, device, token } = await openCeremony();
    await labelled(username, device, token, 'CISO J. Doe', 'Safe A, Berlin');
    await labelled(username, device, token, 'CTO M. Roe', 'Safe B, Paris');
    expectRefusal(await device.completion(token), 403, 'break_glass_unsupervised');
    const a = await custodian();
    expectStatus(await supervise(username, consoleHeader(a.console)), 200);
    const again = expectAnswer('superviseBreakGlass', await supervise(username, consoleHeader((await consoleSignIn(api, a.agent)).token)));
    expect(again).toMatchObject({ custodians: [a.agent.username], supervised: false });
    expectRefusal(await device.completion(token), 403, 'break_glass_unsupervised');
    expectStatus(await supervise(username, consoleHeader((await custodian()).console)), 200);
    expectStatus(await device.completion(token), 200);
  });

  it('a key without its custodian and location is refused at completion', async () => {
    await start();
    const { username, device, token } = await openCeremony();
    for (const c of [await custodian(), await custodian()]) expectStatus(await supervise(username, consoleHeader(c.console)), 200);
    await labelled(username, device, token, 'CISO J. Doe', 'Safe A, Berlin');
    await device.register(token, 'security-key', trustedKey());
    expectRefusal(await device.completion(token), 409, 'break_glass_key_unlabelled');
  });

  it('a custodian confirms only as themselves, holding admin, from a fresh console sign-in', async () => {
    await start();
    const { username } = await openCeremony();
    // The bootstrap token stands for nobody.
    const sessionId = expectAnswer('breakGlassCeremony', await api.admin('breakGlassCeremony', { params: { username } })).session?.id ?? '';
    const reference = sessionReference(sessionId);
    expectRefusal(await api.admin('superviseBreakGlass', { params: { username }, body: { reference } }), 403, 'forbidden');
    // An API token proves no presence.
    const admin = await agentAccount(api, 'admin');
    const issued = await agentToken(api, admin.username, ['users:write']);
    expectRefusal(await supervise(username, bearerHeader(issued.token)), 403, 'reauth_required');
    // A console session from more than five minutes ago is not a fresh confirmation.
    const stale = (await consoleSignIn(api, admin)).token;
    api.clock.advance(6 * 60);
    expectRefusal(await supervise(username, consoleHeader(stale)), 403, 'reauth_required');
    // A help-desk agent has no users:write at all.
    const helpdesk = await agentAccount(api, 'helpdesk');
    expectRefusal(await supervise(username, consoleHeader((await consoleSignIn(api, helpdesk)).token)), 403, 'forbidden');
    const trail = await api.auditOf(username);
    expect(trail.some((e) => e.event === 'break_glass.supervised')).toBe(false);
  });

  it('the built-in tier: a passkey is refused, and a key whose attestation chains to no trusted root', async () => {
    await start();
    const { device, token } = await openCeremony();
    expectRefusal(await device.call('registrationOptions', { token, body: { factor: 'passkey' } }), 403, 'factor_not_allowed');
    const reply = await device.call('registrationOptions', { token, body: { factor: 'security-key' } });
    const { options } = expectAnswer('registrationOptions', reply);
    expect(options.attestation).toBe('direct');
    expect(options.authenticatorSelection?.userVerification).toBe('required');
    const response = securityKey().create(options, { origin: TEST_ORIGIN });
    expectRefusal(
      await device.call('verifyRegistration', { token, body: { factor: 'security-key', response } }),
      403,
      'authenticator_not_allowed',
    );
  });
});

describe('Break-glass: no way back but the keys', () => {
  it('recovery codes, the help desk and device approval are each refused with break_glass_no_recovery', async () => {
    await start();
    const { username } = await enrolledBreakGlass();
    const stranger = await api.device();
    expectRefusal(await stranger.recover({ method: 'recovery-code', username, code: 'ABCD-EFGH-JKLM' }), 403, 'break_glass_no_recovery');
    expectRefusal(
      await stranger.call('fileRecoveryRequest', { body: { username, device: stranger.signals } }),
      403,
      'break_glass_no_recovery',
    );
    expectRefusal(
      await stranger.call('fileDeviceApproval', { body: { username, device: stranger.signals } }),
      403,
      'break_glass_no_recovery',
    );
    const rows = await api.db.selectFrom('recovery_requests').select('id').where('username', '=', username).execute();
    expect(rows).toHaveLength(0);
  });

  it('a manage session cannot make recovery codes for it either', async () => {
    await start();
    const { username, keys } = await enrolledBreakGlass();
    const device = await api.device();
    const token = await device.sessionWith(username, 'manage', keys[0].key);
    expectRefusal(await device.call('regenerateRecoveryCodes', { token }), 403, 'break_glass_no_recovery');
  });
});

describe('Break-glass: every use notifies', () => {
  it('a sign-in with a break-glass key writes a high-priority notification and a break_glass.used audit event, naming the key by its label', async () => {
    await start();
    const { username, keys } = await enrolledBreakGlass();
    const before = (await api.notificationsOf(username)).length;
    const device = await api.device();
    const at = api.clock.now().toISOString();
    await device.sessionWith(username, 'manage', keys[1].key);
    const notes = (await api.notificationsOf(username)).slice(before);
    const used = notes.filter((n) => n.kind === 'break_glass.used');
    expect(used).toHaveLength(1);
    const payloadText = used[0]?.payload ?? '';
    const payload = JSON.parse(payloadText) as { details: Record<string, unknown>; user: { username: string }; device: unknown };
    expect(payload.user.username).toBe(username);
    expect(payload.details).toEqual({
      priority: 'high',
      account: username,
      credentialId: keys[1].id,
      custodian: 'CTO M. Roe',
      location: 'Safe B, Paris',
      at,
    });
    expect(payload.device).toMatchObject({ id: await api.deviceId(device) });
    // Nothing secret: no public key, counter, challenge or token in what a mailer receives.
    const stored = await api.db.selectFrom('credentials').select('public_key').where('id', '=', keys[1].id).executeTakeFirstOrThrow();
    expect(payloadText).not.toContain(stored.public_key);
    expect(payloadText).not.toMatch(/challenge|token|signature/i);
    const audit = (await api.auditOf(username)).filter((e) => e.event === 'break_glass.used');
    expect(audit).toHaveLength(1);
    expect(audit[0]?.details).toMatchObject({ credentialId: keys[1].id, custodian: 'CTO M. Roe', location: 'Safe B, Paris', at });
  });

  it('an ordinary account signing in raises no break-glass notification', async () => {
    await start();
    const key = passkey();
    const { username } = await api.enrolled(await api.device(), key, 'passkey');
    await (await api.device()).sessionWith(username, 'manage', key);
    expect((await api.notificationsOf(username)).some((n) => n.kind === 'break_glass.used')).toBe(false);
  });
});

describe('check-break-glass', () => {
  async function check(): Promise<{ code: number; lines: string[] }> {
    const lines: string[] = [];
    const { services, db } = api.server;
    const command = breakGlassCommands['check-break-glass'];
    if (!command) throw new Error('check-break-glass is not registered');
    const code = await command.run([], {
      services,
      db,
      config: api.config,
      env: {},
      actor: 'cli',
      out: (line) => lines.push(line),
    });
    return { code, lines };
  }

  it('exits 0 when every account has two working keys used within the interval, and names an untested key after it', async () => {
    await start();
    const { username, keys } = await enrolledBreakGlass();
    expect(await check()).toMatchObject({ code: 0 });
    api.clock.advance(60 * 86_400);
    // The drill: a sign-in with the first key; the second stays in its safe untried.
    await (await api.device()).sessionWith(username, 'manage', keys[0].key);
    api.clock.advance(31 * 86_400);
    const { code, lines } = await check();
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0] ?? '').toContain(username);
    expect(lines[0] ?? '').toContain(keys[1].id);
    expect(lines[0] ?? '').toContain('CTO M. Roe, Safe B, Paris');
    expect(lines.join('\n')).not.toContain(keys[0].id);
  });

  it('names an account left with a single working key', async () => {
    await start();
    const { username, keys } = await enrolledBreakGlass();
    await api.db.updateTable('credentials').set({ status: 'revoked' }).where('id', '=', keys[0].id).execute();
    const { code, lines } = await check();
    expect(code).toBe(1);
    expect(lines).toEqual([`${username}: 1 working key(s), at least 2 needed`]);
  });
});
