import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAdmin } from '../../server/admin/cli.js';
import { verifyAuditChain } from '../../server/audit.js';
import { Api, expectAnswer, expectRefusal, passkey } from '../support/api-harness.js';
import { confirmed, newHire, openAt, operator, registeredStation } from './kiosk-support.js';

/**
 * Issue 12, the station's side of "Kiosk mode is set by managed configuration only": an admin issues
 * a station code, the station redeems it with its device key, and from then on the server knows the
 * key is a kiosk. "Station health": the registration, its renewal date and the policy in force; a
 * revoked station is refused everywhere.
 */
let api: Api;
beforeEach(async () => {
  api = await Api.start();
});
afterEach(() => api.close());

const DAY = 86_400_000;

async function stationAudit(): Promise<{ event: string; actor: string; details: Record<string, unknown> }[]> {
  const rows = await api.db
    .selectFrom('audit_events')
    .select(['event', 'actor', 'details'])
    .where('event', 'like', 'station.%')
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ event: r.event, actor: r.actor, details: JSON.parse(r.details) as Record<string, unknown> }));
}

describe('Kiosk mode: the station registers once with an admin-issued station code', () => {
  it('registers the key that redeems the code, and the station then sees its registration, renewal date and policy version', async () => {
    const issued = expectAnswer('issueStationCode', await api.admin('issueStationCode', { body: { name: 'Lobby 1' } }));
    expect(issued).toMatchObject({ stationName: 'Lobby 1', expiresAt: new Date(api.clock.now().getTime() + DAY).toISOString() });
    expect(issued.code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){6}$/);
    const station = await api.device({ name: 'lobby pc' });
    expectRefusal(await station.call('stationStatus'), 404, 'station_not_registered');

    // Typed by a person: lower case and spaces are fine.
    const registered = expectAnswer(
      'registerStation',
      await station.call('registerStation', { body: { code: issued.code.toLowerCase().replace(/-/g, ' ') } }),
    );
    const status = expectAnswer('stationStatus', await station.call('stationStatus'));
    expect(status).toEqual(registered);
    expect(status).toMatchObject({
      name: 'Lobby 1',
      registeredAt: api.clock.now().toISOString(),
      renewBy: new Date(api.clock.now().getTime() + 365 * DAY).toISOString(),
    });
    expect(status.policyVersion).toMatch(/^[0-9a-f]{12}$/);
    expect((await stationAudit()).map((e) => e.event)).toEqual(['station.code_issued', 'station.registered']);
    expect(await verifyAuditChain(api.db)).toBeNull();
  });

  it('a station code works once, only before it expires, and a wrong one registers nothing', async () => {
    const issued = expectAnswer('issueStationCode', await api.admin('issueStationCode', { body: { name: 'Lobby 2', ttlSeconds: 600 } }));
    const wrong = `${issued.code.slice(0, -1)}${issued.code.endsWith('0') ? '1' : '0'}`;
    const first = await api.device();
    expectRefusal(await first.call('registerStation', { body: { code: wrong } }), 400, 'code_invalid');
    expectRefusal(await first.call('stationStatus'), 404, 'station_not_registered');

    const late = expectAnswer('issueStationCode', await api.admin('issueStationCode', { body: { name: 'Late' } }));
    api.clock.advance(DAY + 1000);
    expectRefusal(await first.call('registerStation', { body: { code: late.code } }), 410, 'code_expired');
  });

  it('a second machine cannot reuse a redeemed station code', async () => {
    const issued = expectAnswer('issueStationCode', await api.admin('issueStationCode', { body: { name: 'Lobby 1' } }));
    const station = await api.device();
    expectAnswer('registerStation', await station.call('registerStation', { body: { code: issued.code } }));
    const copycat = await api.device();
    expectRefusal(await copycat.call('registerStation', { body: { code: issued.code } }), 410, 'code_used');
    expectRefusal(await copycat.call('stationStatus'), 404, 'station_not_registered');
  });

  it('a session the computer had open before it became a station ends at registration: no passkey slips in that way', async () => {
    const hire = await newHire(api);
    const station = await api.device();
    const before = expectAnswer('openSession', await station.call('openSession', { body: { code: hire.code, device: station.signals } }));
    expect(before.kiosk).toBe(false);
    const issued = expectAnswer('issueStationCode', await api.admin('issueStationCode', { body: { name: 'Lobby 1' } }));
    expectAnswer('registerStation', await station.call('registerStation', { body: { code: issued.code } }));
    expectRefusal(await station.call('registrationOptions', { token: before.token, body: { factor: 'passkey' } }), 401, 'session_invalid');
  });

  it('only the admin token issues, lists and revokes stations', async () => {
    const device = await api.device();
    expectRefusal(await device.call('issueStationCode', { body: { name: 'Mine' } }), 401, 'unauthorized');
    expectRefusal(await device.call('listStations'), 401, 'unauthorized');
  });
});

describe('Station health: the registration lapses at its renewal date and a new station code renews it', () => {
  it('after renewBy the station is told to register again, refused for new hires, and a new code brings it back', async () => {
    const { station, stationId } = await registeredStation(api);
    const hire = await newHire(api);
    api.clock.advance(366 * DAY);
    expectRefusal(await station.call('stationStatus'), 404, 'station_not_registered');
    expectRefusal(await station.call('openSession', { body: { code: hire.code, device: station.signals } }), 404, 'station_not_registered');
    // A lapsed station never falls back to being an ordinary computer that binds passkeys.
    expect((await api.db.selectFrom('sessions').select('id').execute()).length).toBe(0);

    const renewal = expectAnswer('issueStationCode', await api.admin('issueStationCode', { body: { name: 'Lobby 1' } }));
    const renewed = expectAnswer('registerStation', await station.call('registerStation', { body: { code: renewal.code } }));
    expect(renewed.id).not.toBe(stationId);
    expectAnswer('stationStatus', await station.call('stationStatus'));
    const { stations } = expectAnswer('listStations', await api.admin('listStations'));
    expect(stations.map((s) => [s.id, s.state])).toEqual([
      [stationId, 'revoked'],
      [renewed.id, 'registered'],
    ]);
    expect((await stationAudit()).at(-1)).toMatchObject({ event: 'station.renewed', details: { replaces: stationId } });
  });
});

describe('A revoked station says so and stops', () => {
  it('is refused everywhere: status, operator step, codes, its open session, sign-in and recovery, and registering again', async () => {
    const { station, stationId } = await registeredStation(api);
    const boss = await operator(api);
    const first = await newHire(api);
    const confirmation = await confirmed(station, boss, first.username);
    const opened = expectAnswer('openSession', await openAt(station, first.code, confirmation.id));
    const second = await newHire(api);

    const revoked = expectAnswer('revokeStation', await api.admin('revokeStation', { params: { stationId } }));
    expect(revoked).toMatchObject({ id: stationId, state: 'revoked', name: 'Lobby 1', confirmations: 1 });

    expectRefusal(await station.call('stationStatus'), 403, 'station_revoked');
    expectRefusal(await station.call('operatorOptions', { body: { operator: boss.username } }), 403, 'station_revoked');
    expectRefusal(await station.call('openSession', { body: { code: second.code, device: station.signals } }), 403, 'station_revoked');
    // The session the station had open ended with the revocation.
    expectRefusal(
      await station.call('registrationOptions', { token: opened.token, body: { factor: 'security-key' } }),
      401,
      'session_invalid',
    );
    expectRefusal(
      await station.call('authenticationOptions', { body: { username: boss.username, purpose: 'manage' } }),
      403,
      'station_revoked',
    );
    expectRefusal(
      await station.call('fileRecoveryRequest', { body: { username: boss.username, device: station.signals } }),
      403,
      'station_revoked',
    );
    const again = expectAnswer('issueStationCode', await api.admin('issueStationCode', { body: { name: 'Lobby 1' } }));
    expectRefusal(await station.call('registerStation', { body: { code: again.code } }), 403, 'station_revoked');
    expectRefusal(await api.admin('revokeStation', { params: { stationId } }), 404, 'not_found');
    expect((await stationAudit()).find((e) => e.event === 'station.revoked')).toMatchObject({ details: { stationId, sessionsEnded: 1 } });
  });

  it('a registered station is for new hires only: it cannot sign in with someone’s own key or start a recovery', async () => {
    const { station } = await registeredStation(api);
    const { username } = await api.enrolled(await api.device(), passkey(), 'passkey');
    expectRefusal(await station.call('authenticationOptions', { body: { username, purpose: 'replace' } }), 403, 'purpose_not_allowed');
    expectRefusal(await station.call('fileRecoveryRequest', { body: { username, device: station.signals } }), 403, 'purpose_not_allowed');
    expectRefusal(
      await station.call('openRecoverySession', {
        body: { method: 'recovery-code', username, code: 'AAAA-BBBB-CCCC-D', device: station.signals },
      }),
      403,
      'purpose_not_allowed',
    );
  });
});

describe('The admin CLI for kiosk stations', () => {
  let dir: string;
  let disk: Api;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'firstkey-kiosk-'));
    disk = await Api.start({ dataDir: dir });
  });
  afterEach(async () => {
    await disk.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function admin(...argv: string[]): Promise<{ code: number; out: string }> {
    const lines: string[] = [];
    const code = await runAdmin(argv, { FIRSTKEY_DATA_DIR: dir, USER: 'tester' }, (line) => lines.push(line));
    return { code, out: lines.join('\n') };
  }

  it('issue-station-code prints the code once, list-stations shows the station, revoke-station stops it', async () => {
    expect(await admin('issue-station-code')).toEqual({ code: 2, out: '--name is required (1-100 characters)' });
    const issued = await admin('issue-station-code', '--name', 'Lobby 1');
    expect(issued.code).toBe(0);
    const code = /Station code for "Lobby 1": (\S+)/.exec(issued.out)?.[1] ?? '';
    const station = await disk.device();
    const registered = expectAnswer('registerStation', await station.call('registerStation', { body: { code } }));

    const listed = await admin('list-stations');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(`${registered.id}  registered  "Lobby 1"`);
    expect(await admin('revoke-station')).toEqual({ code: 2, out: '--id is required (see list-stations)' });
    const revoked = await admin('revoke-station', '--id', registered.id);
    expect(revoked).toEqual({ code: 0, out: 'Revoked station "Lobby 1": its sessions ended and its calls are refused from now on.' });
    expectRefusal(await station.call('stationStatus'), 403, 'station_revoked');
    const audit = await disk.db.selectFrom('audit_events').select(['event', 'actor']).where('event', '=', 'station.revoked').execute();
    expect(audit).toEqual([{ event: 'station.revoked', actor: 'cli:tester' }]);
  });
});
