import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, Api, expectAnswer, expectRefusal, expectStatus } from '../support/api-harness.js';
import { send } from '../support/http-client.js';
import { agentAccount, agentToken, bearerHeader, consoleHeader, consoleSignIn } from '../support/operators.js';

/** What the admin API accepts as a caller, and the trail that tokens and console sign-outs leave. */

let api: Api;
beforeEach(async () => {
  api = await Api.start();
});
afterEach(async () => {
  await api.close();
});

const listUsers = (headers: Record<string, string>) => send(api.server.url, 'listOperators', { headers });

describe('who may call the admin API', () => {
  it('the bootstrap token only as Bearer and only exactly; any other bearer, scheme or nothing is 401', async () => {
    expectStatus(await listUsers(bearerHeader(ADMIN_TOKEN)), 200);
    for (const authorization of ['Bearer not-the-bootstrap-token', `Basic ${ADMIN_TOKEN}`, `Bearer ${ADMIN_TOKEN}x`, 'Bearer', ''])
      expectRefusal(await listUsers({ authorization }), 401, 'unauthorized');
  });

  it('with no bootstrap token configured, no bearer is taken for one', async () => {
    await api.close();
    api = await Api.start({ adminToken: undefined });
    expectRefusal(await listUsers(bearerHeader(ADMIN_TOKEN)), 401, 'unauthorized');
    expectRefusal(await listUsers(bearerHeader('')), 401, 'unauthorized');
  });

  it('an API token works only whole: anything before or after it is refused', async () => {
    await agentAccount(api, 'admin', 'ida');
    const { token } = await agentToken(api, 'ida', ['operators:manage']);
    expectStatus(await listUsers(bearerHeader(token)), 200);
    for (const altered of [`fk_${token}`, `${token}x`, token.slice(0, -1)])
      expectRefusal(await listUsers(bearerHeader(altered)), 401, 'unauthorized');
  });
});

describe('API tokens leave a trail', () => {
  it('issuing is audited with its name, sorted scopes and expiry; revoking once, with its name; an unknown token is 404', async () => {
    const ida = await agentAccount(api, 'admin', 'ida');
    const issued = expectAnswer(
      'issueApiToken',
      await api.admin('issueApiToken', {
        params: { username: ida.username },
        body: { name: 'scim feed', scopes: ['users:write', 'people:read', 'users:write'], expiresInDays: 30 },
      }),
    );
    expect(issued.scopes).toEqual(['people:read', 'users:write']);
    expectStatus(await api.admin('revokeApiToken', { params: { id: issued.id } }), 204);
    expectStatus(await api.admin('revokeApiToken', { params: { id: issued.id } }), 204);
    const trail = (await api.auditOf(ida.username)).filter((e) => e.event.startsWith('operator.token_'));
    expect(trail.map((e) => [e.event, e.actor, e.details])).toEqual([
      [
        'operator.token_issued',
        'admin-api',
        { tokenId: issued.id, name: 'scim feed', scopes: 'people:read,users:write', expiresAt: issued.expiresAt },
      ],
      ['operator.token_revoked', 'admin-api', { tokenId: issued.id, name: 'scim feed' }],
    ]);
    expectRefusal(await api.admin('revokeApiToken', { params: { id: '00000000-0000-4000-8000-000000000000' } }), 404, 'not_found');
    expectRefusal(
      await api.admin('issueApiToken', { params: { username: 'nobody.here' }, body: { name: 'x', scopes: ['people:read'] } }),
      404,
      'not_found',
    );
  });
});

describe('console sign-out', () => {
  it('ends the session once, audited with the session; a second sign-out and a token’s sign-out change nothing', async () => {
    const ida = await agentAccount(api, 'admin', 'ida');
    const session = await consoleSignIn(api, ida);
    expect(expectAnswer('consoleMe', await send(api.server.url, 'consoleMe', { headers: consoleHeader(session.token) }))).toMatchObject({
      username: 'ida',
      permissions: [...session.agent.permissions].sort(),
    });
    expectStatus(await send(api.server.url, 'consoleSignOut', { headers: consoleHeader(session.token) }), 204);
    expectRefusal(await send(api.server.url, 'consoleMe', { headers: consoleHeader(session.token) }), 401, 'unauthorized');
    const { token } = await agentToken(api, 'ida', ['people:read']);
    expectStatus(await send(api.server.url, 'consoleSignOut', { headers: bearerHeader(token) }), 204);
    const row = await api.db.selectFrom('console_sessions').select('id').executeTakeFirstOrThrow();
    const signedOut = (await api.auditOf('ida')).filter((e) => e.event === 'operator.signed_out');
    expect(signedOut.map((e) => [e.actor, e.details])).toEqual([['account:ida', { sessionId: row.id }]]);
  });

  it('the bootstrap token is nobody: /me names it admin-api, with no roles', async () => {
    const me = expectAnswer('consoleMe', await send(api.server.url, 'consoleMe', { headers: bearerHeader(ADMIN_TOKEN) }));
    expect(me).toMatchObject({ username: 'admin-api', displayName: 'admin-api', roles: [] });
    expect(me.permissions).toEqual([...me.permissions].sort());
  });

  it('a call near the end of a session pushes its idle end no further than the session’s end', async () => {
    const ida = await agentAccount(api, 'admin', 'ida');
    const session = await consoleSignIn(api, ida);
    // Calls every ten minutes keep it from idling out, up to the last minutes of its hour.
    for (let i = 0; i < 5; i++) {
      api.clock.advance(10 * 60);
      expectStatus(await send(api.server.url, 'consoleMe', { headers: consoleHeader(session.token) }), 200);
    }
    api.clock.advance(5 * 60);
    expectStatus(await send(api.server.url, 'consoleMe', { headers: consoleHeader(session.token) }), 200);
    const row = await api.db.selectFrom('console_sessions').select(['idle_ends_at', 'expires_at']).executeTakeFirstOrThrow();
    expect(row.idle_ends_at).toBe(row.expires_at);
  });
});
