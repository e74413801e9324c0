import { describe, expect, it } from 'vitest';
import { SessionView } from '../../api/enrolment.js';
import { type Api, expectAnswer, expectRefusal, expectStatus } from '../support/api-harness.js';
import { consoleHeader } from '../support/operators.js';
import { breakGlassBench } from './break-glass-support.js';

/**
 * Which session the custodians watch: the one on the key holder's screen, named by the reference both
 * screens show. A session opened beside it (a spare code) cannot borrow their confirmations, and while
 * one is open nobody can confirm.
 */

const bench = breakGlassBench();
const { openCeremony, custodian, ceremony, supervise, labelled } = bench;
let api: Api;
const start = async (): Promise<Api> => (api = await bench.start());
/** Sessions that end after 5 idle minutes, within a 10-minute lifetime. */
const startIdling = async (): Promise<Api> => (api = await bench.start({ sessionIdleSeconds: 300 }));
const sessionOf = async (device: Awaited<ReturnType<Api['device']>>, token: string) =>
  SessionView.parse(expectAnswer('getSession', await device.call('getSession', { token })));

describe('Break-glass: the session the custodians watch', () => {
  it('the key holder’s app and the console show the same reference, with the computer it was opened on; an ordinary session shows none', async () => {
    await start();
    const { username, device, token } = await openCeremony();
    const shown = (await sessionOf(device, token)).supervision?.reference;
    expect(shown).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    const view = await ceremony(username, consoleHeader((await custodian()).console));
    expect(view.session).toMatchObject({ reference: shown, device: device.signals.name, station: null });
    expect(view.otherOpenSessions).toBe(0);

    const person = await api.createUser();
    const other = await api.device();
    const ordinary = await other.openEnrolment(await api.enrolmentCode(person));
    expect((await sessionOf(other, ordinary)).supervision).toBeUndefined();
  });

  it('a second session opened with a spare code stops every confirmation until it ends; the one confirmed is the one named', async () => {
    await startIdling();
    const { username, device, token } = await openCeremony();
    const mine = (await ceremony(username, consoleHeader((await custodian()).console))).session?.id ?? '';
    const intruder = await api.device({ name: 'borrowed-laptop' });
    const spare = await intruder.openEnrolment(await api.enrolmentCode(username));
    const spareId = (await sessionOf(intruder, spare)).id;

    const a = await custodian();
    const seen = await ceremony(username, consoleHeader(a.console));
    // The newest is shown, and the console says another is open.
    expect(seen.session).toMatchObject({ id: spareId, device: 'borrowed-laptop' });
    expect(seen.otherOpenSessions).toBe(1);
    for (const id of [mine, spareId])
      expectRefusal(await supervise(username, consoleHeader(a.console), id), 409, 'break_glass_sessions_open');

    // The key holder keeps theirs alive; the spare one passes its idle limit unused.
    api.clock.advance(200);
    expectStatus(await device.call('getSession', { token }), 200);
    api.clock.advance(150);
    const b = await custodian();
    const after = await ceremony(username, consoleHeader(b.console));
    expect(after.session?.id).toBe(mine);
    expect(after.otherOpenSessions).toBe(0);
    // A console still showing the spare session confirms nothing: the custodian looks again.
    expectRefusal(await supervise(username, consoleHeader(b.console), spareId), 409, 'break_glass_session_changed');
    expectStatus(await supervise(username, consoleHeader(b.console), mine), 200);
    const c = await custodian();
    expect(expectAnswer('superviseBreakGlass', await supervise(username, consoleHeader(c.console), mine))).toMatchObject({
      sessionId: mine,
      supervised: true,
    });
    const trail = await api.auditOf(username);
    expect(trail.filter((e) => e.event === 'break_glass.supervised').map((e) => e.details.sessionId)).toEqual([mine, mine]);
  });

  it('a session past its idle limit is not shown, and naming it confirms nothing', async () => {
    await startIdling();
    const { username } = await openCeremony();
    const a = await custodian();
    const open = (await ceremony(username, consoleHeader(a.console))).session;
    expect(open).not.toBeNull();
    api.clock.advance(301);
    const b = await custodian();
    expect((await ceremony(username, consoleHeader(b.console))).session).toBeNull();
    expectRefusal(await supervise(username, consoleHeader(b.console), open?.id), 404, 'not_found');
  });

  it('a custodian whose admin role is revoked after confirming no longer counts, at completion or in the view', async () => {
    await start();
    const { username, device, token } = await openCeremony();
    const a = await custodian();
    const b = await custodian();
    for (const c of [a, b]) expectStatus(await supervise(username, consoleHeader(c.console)), 200);
    await labelled(username, device, token, 'CISO J. Doe', 'Safe A, Berlin');
    await labelled(username, device, token, 'CTO M. Roe', 'Safe B, Paris');
    expectStatus(await api.admin('revokeOperatorRole', { params: { username: b.agent.username, role: 'admin' } }), 200);

    expect(await ceremony(username, consoleHeader(a.console))).toMatchObject({ custodians: [a.agent.username], supervised: false });
    expectRefusal(await device.completion(token), 403, 'break_glass_unsupervised');
    const c = await custodian();
    expectStatus(await supervise(username, consoleHeader(c.console)), 200);
    expect((await device.complete(token)).recoveryCodes).toBeUndefined();
  });
});
