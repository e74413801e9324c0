import { describe, expect, it } from 'vitest';
import { type Api, expectAnswer, expectRefusal, expectStatus } from '../support/api-harness.js';
import { send } from '../support/http-client.js';
import { agentAccount, agentToken, bearerHeader, consoleHeader, consoleSignIn } from '../support/operators.js';
import { breakGlassBench } from './break-glass-support.js';

/** The edges of a break-glass ceremony the first run of mutation testing found untested (bench/MUTATION.md). */

const bench = breakGlassBench();
const { openCeremony, custodian, supervise, labelled, kioskCeremony, enrolledBreakGlass } = bench;
let api: Api;
const start = async (): Promise<Api> => (api = await bench.start());
const view = (username: string, headers: Record<string, string>) =>
  send(api.server.url, 'breakGlassCeremony', { params: { username }, headers });

describe('Break-glass ceremony edges', () => {
  it('a kiosk operator and one custodian who is someone else are the two people: it completes', async () => {
    await start();
    const username = 'emergency-kiosk';
    const { station, token, operator } = await kioskCeremony(username, 'admin');
    await labelled(username, station, token, 'CISO J. Doe', 'Safe A, Berlin');
    await labelled(username, station, token, 'CTO M. Roe', 'Safe B, Paris');
    const c = await custodian();
    // The console names the operator as one of the two, and waits for one custodian more.
    expect(expectAnswer('breakGlassCeremony', await view(username, consoleHeader(c.console)))).toMatchObject({
      kioskOperator: operator.username,
      custodians: [],
      supervised: false,
    });
    expectStatus(await supervise(username, consoleHeader(c.console)), 200);
    expect(expectAnswer('breakGlassCeremony', await view(username, consoleHeader(c.console))).supervised).toBe(true);
    expect((await station.complete(token)).recoveryCodes).toBeUndefined();
  });

  it('a help-desk kiosk operator is not one of the two: with one custodian it is unsupervised, with two it completes', async () => {
    await start();
    const username = 'emergency-helpdesk-kiosk';
    const { station, token } = await kioskCeremony(username, 'helpdesk');
    await labelled(username, station, token, 'CISO J. Doe', 'Safe A, Berlin');
    await labelled(username, station, token, 'CTO M. Roe', 'Safe B, Paris');
    const first = await custodian();
    expectStatus(await supervise(username, consoleHeader(first.console)), 200);
    expect(expectAnswer('breakGlassCeremony', await view(username, consoleHeader(first.console))).supervised).toBe(false);
    expectRefusal(await station.completion(token), 403, 'break_glass_unsupervised');
    expectStatus(await supervise(username, consoleHeader((await custodian()).console)), 200);
    expect((await station.complete(token)).recoveryCodes).toBeUndefined();
  });

  it('a third key later: the keys in use count, the session is supervised again, and a revoked key is not listed', async () => {
    await start();
    const { username, keys } = await enrolledBreakGlass();
    await api.db.updateTable('credentials').set({ status: 'revoked' }).where('id', '=', keys[0].id).execute();
    const device = await api.device();
    const token = await device.sessionWith(username, 'replace', keys[1].key);
    const a = await custodian();
    expectStatus(await supervise(username, consoleHeader(a.console)), 200);
    expectStatus(await supervise(username, consoleHeader((await custodian()).console)), 200);
    const third = await labelled(username, device, token, 'CFO K. Poe', 'Safe C, Madrid');
    const listed = expectAnswer('breakGlassCeremony', await view(username, consoleHeader(a.console)));
    expect(listed.supervised).toBe(true);
    expect(listed.keys.map((k) => [k.factorId, k.status])).toEqual([
      [keys[1].id, 'active'],
      [third.id, 'pending'],
    ]);
    // One new key and one in use make two: the ceremony completes.
    expectStatus(await device.completion(token), 200);
    // Labelling is for this account's live keys only: a revoked one, another's or none at all is 404.
    for (const id of [keys[0].id, '00000000-0000-4000-8000-000000000000'])
      expectRefusal(
        await api.admin('labelBreakGlassKey', { params: { username, id }, body: { custodian: 'X', location: 'Y' } }),
        404,
        'not_found',
      );
  });

  it('each confirmation and label is audited once with who, what and where', async () => {
    await start();
    const { username, device, token } = await openCeremony();
    const a = await custodian();
    expectStatus(await supervise(username, consoleHeader(a.console)), 200);
    expectStatus(await supervise(username, consoleHeader((await consoleSignIn(api, a.agent)).token)), 200);
    const { id } = await labelled(username, device, token, 'CISO J. Doe', 'Safe A, Berlin');
    const trail = await api.auditOf(username);
    const sessionId = expectAnswer('breakGlassCeremony', await view(username, consoleHeader(a.console))).session?.id;
    expect(trail.filter((e) => e.event === 'break_glass.supervised').map((e) => e.details)).toEqual([
      { sessionId, custodian: a.agent.username, via: 'console' },
    ]);
    expect(trail.filter((e) => e.event === 'break_glass.key_labelled').map((e) => e.details)).toEqual([
      { credentialId: id, custodian: 'CISO J. Doe', location: 'Safe A, Berlin' },
    ]);
  });

  it('a sign-in exactly 5 minutes old still confirms, a second older does not; no account or no session is 404', async () => {
    await start();
    const { username } = await openCeremony();
    const a = await custodian();
    api.clock.advance(5 * 60);
    expectStatus(await supervise(username, consoleHeader(a.console)), 200);
    const b = await custodian();
    api.clock.advance(5 * 60 + 1);
    expectRefusal(await supervise(username, consoleHeader(b.console)), 403, 'reauth_required');
    const c = await custodian();
    expectRefusal(await supervise('no-such-account', consoleHeader(c.console)), 404, 'not_found');
    const idle = { username: 'emergency-idle', displayName: 'Emergency access', role: 'admin', accountKind: 'break-glass' };
    expectStatus(await api.admin('createUser', { body: idle }), 201);
    expectRefusal(await supervise('emergency-idle', consoleHeader(c.console)), 404, 'not_found');
    expectRefusal(await view('no-such-account', consoleHeader(c.console)), 404, 'not_found');
  });

  it('changing who keeps a key in use takes a custodian signed in just now: not the bootstrap token, an API token or an old sign-in', async () => {
    await start();
    const { username, keys } = await enrolledBreakGlass();
    const params = { username, id: keys[0].id };
    const body = { custodian: 'CFO K. Poe', location: 'Safe C, Madrid' };
    const relabel = (headers: Record<string, string>) => send(api.server.url, 'labelBreakGlassKey', { params, body, headers });
    expectRefusal(await api.admin('labelBreakGlassKey', { params, body }), 403, 'forbidden');
    const a = await custodian();
    const token = await agentToken(api, a.agent.username, ['users:write']);
    expectRefusal(await relabel(bearerHeader(token.token)), 403, 'reauth_required');
    api.clock.advance(5 * 60 + 1);
    expectRefusal(await relabel(consoleHeader(a.console)), 403, 'reauth_required');
    const helpdesk = await agentAccount(api, 'helpdesk');
    expectRefusal(await relabel(consoleHeader((await consoleSignIn(api, helpdesk)).token)), 403, 'forbidden');
    const label = await api.db
      .selectFrom('break_glass_keys')
      .select(['custodian', 'location'])
      .where('credential_id', '=', keys[0].id)
      .executeTakeFirstOrThrow();
    expect(label).toEqual({ custodian: 'CISO J. Doe', location: 'Safe A, Berlin' });

    expect(expectAnswer('labelBreakGlassKey', await relabel(consoleHeader((await consoleSignIn(api, a.agent)).token)))).toMatchObject(body);
    const trail = (await api.auditOf(username)).filter((e) => e.event === 'break_glass.key_labelled');
    expect(trail.at(-1)).toMatchObject({ actor: `account:${a.agent.username}`, details: { credentialId: keys[0].id, ...body } });
  });
});
