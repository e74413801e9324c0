import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Api, expectAnswer, expectRefusal, expectStatus } from '../support/api-harness.js';
import { send } from '../support/http-client.js';
import { agentAccount, consoleHeader, consoleSignIn, signInReply } from '../support/operators.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';

/** Agents sign in to the console with their own key at the console origin; the session is short and ends. */
let api: Api;
beforeEach(async () => {
  api = await Api.start({ consoleSessionSeconds: 600, consoleIdleSeconds: 120 });
});
afterEach(() => api.close());

const me = (token: string) => send(api.server.url, 'consoleMe', { headers: consoleHeader(token) });

describe('console sign-in', () => {
  it('an agent signs in with their passkey and the console knows who they are and what they may do', async () => {
    const alice = await agentAccount(api, 'helpdesk');
    const session = await consoleSignIn(api, alice);
    expect(session.agent).toMatchObject({ username: alice.username, roles: ['helpdesk'] });
    expect(session.agent.permissions).toContain('recovery:decide');
    expect(session.agent.permissions).not.toContain('operators:manage');
    expect(expectAnswer('consoleMe', await me(session.token)).username).toBe(alice.username);
    // Stored only as a hash.
    const rows = await api.db.selectFrom('console_sessions').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(session.token);
    expect((await api.auditOf(alice.username)).map((e) => e.event)).toContain('operator.signed_in');
  });

  it('a helpdesk agent may look people up but not manage operators: 403, while no session is 401', async () => {
    const alice = await agentAccount(api, 'helpdesk');
    const { token } = await consoleSignIn(api, alice);
    expectStatus(await send(api.server.url, 'getPerson', { params: { username: alice.username }, headers: consoleHeader(token) }), 200);
    expectRefusal(await send(api.server.url, 'listOperators', { headers: consoleHeader(token) }), 403, 'forbidden');
    expectRefusal(await send(api.server.url, 'listOperators', { headers: consoleHeader('not-a-session-token') }), 401, 'unauthorized');
    expectRefusal(await send(api.server.url, 'listOperators'), 401, 'unauthorized');
  });

  it('an assertion made for another origin (the app, a phishing page) is refused', async () => {
    const alice = await agentAccount(api, 'helpdesk');
    expectRefusal((await signInReply(api, alice, { origin: 'https://console.evil.example' })).reply, 400, 'verification_failed');
    expectRefusal((await signInReply(api, alice, { origin: api.config.origins[0] ?? '' })).reply, 400, 'verification_failed');
    const refused = (await api.auditOf(alice.username)).filter((e) => e.event === 'operator.sign_in_refused');
    expect(refused.map((e) => e.details.reason)).toEqual(['origin_mismatch', 'origin_mismatch']);
  });

  it('without user verification the key alone is not enough', async () => {
    const alice = await agentAccount(api, 'helpdesk');
    const { reply } = await signInReply(api, alice, { flags: { userVerified: false } });
    expectRefusal(reply, 400, 'verification_failed');
  });

  it('a synced passkey does not open the console, whatever tier the person’s own role is in', async () => {
    const synced = new SoftAuthenticator({ attachment: 'platform', userVerified: true, backupEligible: true, backedUp: true });
    const { username, credentialId } = await api.enrolled(await api.device(), synced, 'passkey');
    expectStatus(await api.admin('grantOperatorRole', { params: { username }, body: { role: 'admin' } }), 200);
    const { reply } = await signInReply(api, { username, key: synced, credentialId });
    expectRefusal(reply, 403, 'factor_not_allowed');
    expect(await api.db.selectFrom('console_sessions').select('id').execute()).toEqual([]);
  });

  it('a ceremony is spent once: the same assertion sent again is refused', async () => {
    const alice = await agentAccount(api, 'helpdesk');
    const first = await signInReply(api, alice);
    expectStatus(first.reply, 200);
    const again = await send(api.server.url, 'consoleSignIn', { body: { ceremonyId: first.ceremonyId, response: first.response } });
    expectRefusal(again, 409, 'challenge_missing');
  });

  it('a person without a role is offered the keys the app offers them, and is refused at verification as an unknown name is', async () => {
    const alice = await agentAccount(api, 'helpdesk');
    const bob = await agentAccount(api, null);
    const ask = async (username: string) =>
      expectAnswer('consoleSignInOptions', await send(api.server.url, 'consoleSignInOptions', { body: { username } }));
    const asked = await ask(bob.username);
    const app = await (await api.device()).call('authenticationOptions', { body: { username: bob.username, purpose: 'manage' } });
    const appIds = expectAnswer('authenticationOptions', app).options.allowCredentials?.map((c) => c.id) ?? [];
    // Comparing the console's answer with the app's tells nobody who holds a role: both name the person's key.
    expect(appIds).toEqual([bob.credentialId]);
    expect(asked.options.allowCredentials?.map((c) => c.id).slice(0, appIds.length)).toEqual(appIds);
    // An operator's answer and a non-operator's have one shape: padded to two, no transports.
    const operator = (await ask(alice.username)).options;
    for (const options of [asked.options, operator]) {
      expect(Object.keys(options).sort()).toEqual(Object.keys(operator).sort());
      expect(options.allowCredentials?.length).toBeGreaterThanOrEqual(2);
      expect(options.allowCredentials?.every((c) => (c.transports ?? []).length === 0)).toBe(true);
      expect(options.userVerification).toBe('required');
    }

    // Bob's own key signs a good assertion, and the console refuses it with the refusal an unknown name gets.
    const refusedBob = await send(api.server.url, 'consoleSignIn', {
      body: { ceremonyId: asked.ceremonyId, response: bob.key.get(asked.options, { origin: api.config.consoleOrigin }) },
    });
    const unknown = await ask('nobody.here');
    const forced = bob.key.get(unknown.options, { origin: api.config.consoleOrigin, credentialId: bob.credentialId });
    const refusedUnknown = await send(api.server.url, 'consoleSignIn', { body: { ceremonyId: unknown.ceremonyId, response: forced } });
    expectRefusal(refusedBob, 400, 'verification_failed');
    expect(refusedBob).toEqual(refusedUnknown);
    // Revoked between options and assertion, a role-less person still learns no more than "refused".
    const again = await ask(bob.username);
    await api.db.updateTable('credentials').set({ status: 'revoked' }).where('id', '=', bob.credentialId).execute();
    const refusedRevoked = await send(api.server.url, 'consoleSignIn', {
      body: { ceremonyId: again.ceremonyId, response: bob.key.get(again.options, { origin: api.config.consoleOrigin }) },
    });
    expect(refusedRevoked).toEqual(refusedUnknown);
    expect(await api.db.selectFrom('console_sessions').select('id').execute()).toEqual([]);
    const reasons = (await api.auditOf(bob.username)).filter((e) => e.event === 'operator.sign_in_refused').map((e) => e.details.reason);
    expect(reasons).toEqual(['no_operator_role', 'no_operator_role']);
  });

  it('an unknown username gets options that look like a real operator’s: two credentials, no transports, the same every time', async () => {
    const alice = await agentAccount(api, 'helpdesk');
    const ask = async (username: string) =>
      expectAnswer('consoleSignInOptions', await send(api.server.url, 'consoleSignInOptions', { body: { username } })).options;
    const real = await ask(alice.username);
    const decoy = await ask('no.such.agent');
    const again = await ask('no.such.agent');
    expect(Object.keys(decoy).sort()).toEqual(Object.keys(real).sort());
    // Alice's one key comes first, padded with a decoy: one key or none, the list is two long.
    expect(real.allowCredentials?.map((c) => c.id)[0]).toBe(alice.credentialId);
    expect(real.allowCredentials).toHaveLength(2);
    expect(decoy.allowCredentials).toHaveLength(2);
    // No transports anywhere: a USB key, an NFC key or a passkey on a laptop would otherwise show.
    for (const c of [...(real.allowCredentials ?? []), ...(decoy.allowCredentials ?? [])]) {
      expect(c.transports ?? []).toEqual([]);
      expect(c.type).toBe('public-key');
    }
    expect(decoy.allowCredentials?.map((c) => c.id)).not.toContain(alice.credentialId);
    expect(decoy.userVerification).toBe(real.userVerification);
    // Stable for the name, so asking twice tells nothing; a fresh challenge each time all the same.
    expect(again.allowCredentials).toEqual(decoy.allowCredentials);
    expect(again.challenge).not.toBe(decoy.challenge);
    // Another unknown name gets other decoys; the app's sign-in offers this name the console's first one.
    expect((await ask('no.such.agent.2')).allowCredentials).not.toEqual(decoy.allowCredentials);
    const app = await (await api.device()).call('authenticationOptions', { body: { username: 'no.such.agent', purpose: 'manage' } });
    expect(expectAnswer('authenticationOptions', app).options.allowCredentials?.map((c) => c.id)).toEqual([
      decoy.allowCredentials?.[0]?.id,
    ]);
  });

  it('an operator with a passkey on a laptop and several keys is offered all of them, still with no transports', async () => {
    const alice = await agentAccount(api, 'helpdesk');
    const ask = async (username: string) =>
      expectAnswer('consoleSignInOptions', await send(api.server.url, 'consoleSignInOptions', { body: { username } })).options;
    const stored = await api.db.selectFrom('credentials').selectAll().where('id', '=', alice.credentialId).executeTakeFirstOrThrow();
    const extra = ['laptop-passkey', 'spare-key', 'desk-key'].map((id) => ({
      ...stored,
      id,
      transports: JSON.stringify(id === 'laptop-passkey' ? ['internal', 'hybrid'] : ['usb', 'nfc']),
    }));
    await api.db.insertInto('credentials').values(extra).execute();
    const offered = await ask(alice.username);
    expect(offered.allowCredentials?.map((c) => c.id).sort()).toEqual([alice.credentialId, ...extra.map((e) => e.id)].sort());
    expect(offered.allowCredentials?.every((c) => (c.transports ?? []).length === 0)).toBe(true);
  });

  it('a suspended or revoked factor signs in nobody', async () => {
    const alice = await agentAccount(api, 'helpdesk');
    await api.db.updateTable('credentials').set({ status: 'suspended' }).where('id', '=', alice.credentialId).execute();
    // Options no longer name it, so the key is asked for it by id, as an attacker holding it would.
    const asked = expectAnswer(
      'consoleSignInOptions',
      await send(api.server.url, 'consoleSignInOptions', { body: { username: alice.username } }),
    );
    const response = alice.key.get(asked.options, { origin: api.config.consoleOrigin, credentialId: alice.credentialId });
    expectRefusal(
      await send(api.server.url, 'consoleSignIn', { body: { ceremonyId: asked.ceremonyId, response } }),
      400,
      'verification_failed',
    );

    // Revoked between the options and the assertion: refused once the signature is checked.
    const bob = await agentAccount(api, 'helpdesk');
    const bobAsked = expectAnswer(
      'consoleSignInOptions',
      await send(api.server.url, 'consoleSignInOptions', { body: { username: bob.username } }),
    );
    await api.db.updateTable('credentials').set({ status: 'revoked' }).where('id', '=', bob.credentialId).execute();
    const bobResponse = bob.key.get(bobAsked.options, { origin: api.config.consoleOrigin });
    expectRefusal(
      await send(api.server.url, 'consoleSignIn', { body: { ceremonyId: bobAsked.ceremonyId, response: bobResponse } }),
      403,
      'factor_revoked',
    );
  });

  it('a role revoked after sign-in ends what the session may do at once', async () => {
    const alice = await agentAccount(api, 'helpdesk');
    const { token } = await consoleSignIn(api, alice);
    expectStatus(await api.admin('revokeOperatorRole', { params: { username: alice.username, role: 'helpdesk' } }), 200);
    expectRefusal(await me(token), 401, 'unauthorized');
  });
});

describe('console session', () => {
  it('ends after the idle time, and a call before it pushes the idle end back', async () => {
    const alice = await agentAccount(api, 'helpdesk');
    const { token } = await consoleSignIn(api, alice);
    api.clock.advance(100);
    expectStatus(await me(token), 200);
    api.clock.advance(100);
    expectStatus(await me(token), 200);
    api.clock.advance(121);
    expectRefusal(await me(token), 401, 'unauthorized');
  });

  it('ends at its lifetime however busy the agent is', async () => {
    const alice = await agentAccount(api, 'helpdesk');
    const { token, expiresAt } = await consoleSignIn(api, alice);
    expect(Date.parse(expiresAt) - api.clock.now().getTime()).toBe(600_000);
    for (let i = 0; i < 5; i++) {
      api.clock.advance(110);
      expectStatus(await me(token), 200);
    }
    api.clock.advance(60);
    expectRefusal(await me(token), 401, 'unauthorized');
  });

  it('signed out, the token opens nothing', async () => {
    const alice = await agentAccount(api, 'helpdesk');
    const { token } = await consoleSignIn(api, alice);
    expectStatus(await send(api.server.url, 'consoleSignOut', { headers: consoleHeader(token) }), 204);
    expectRefusal(await me(token), 401, 'unauthorized');
    expect((await api.auditOf(alice.username)).map((e) => e.event)).toContain('operator.signed_out');
  });
});
