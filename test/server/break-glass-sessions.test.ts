import { describe, expect, it } from 'vitest';
import { SessionView } from '../../api/enrolment.js';
import { type Api, type Device, expectAnswer, expectRefusal, expectStatus } from '../support/api-harness.js';
import { consoleHeader, signInReply } from '../support/operators.js';
import { breakGlassBench } from './break-glass-support.js';

/**
 * Which session the custodians watch: the one on the key holder's screen, named by the reference the
 * key holder reads out from it. The console does not show the reference, so a session opened beside it
 * (a spare code) cannot borrow their confirmations, and nobody confirms without hearing it.
 */

const bench = breakGlassBench();
const { openCeremony, custodian, ceremony, supervise, labelled, enrolledBreakGlass } = bench;
let api: Api;
const start = async (): Promise<Api> => (api = await bench.start());
/** What the key holder's app shows: the session's reference under "Supervised enrolment". */
const referenceOn = async (device: Device, token: string) =>
  SessionView.parse(expectAnswer('getSession', await device.call('getSession', { token }))).supervision?.reference ?? '';

describe('Break-glass: the session the custodians watch', () => {
  it('the app shows a reference the console does not; the custodian types it as read out, in any case and spacing', async () => {
    await start();
    const { username, device, token } = await openCeremony();
    const shown = await referenceOn(device, token);
    expect(shown).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    const a = await custodian();
    const view = await ceremony(username, consoleHeader(a.console));
    expect(view.session).toMatchObject({ device: device.signals.name, station: null });
    expect(JSON.stringify(view)).not.toContain(shown);
    expect(JSON.stringify(view)).not.toContain(shown.replace('-', ''));
    // Read aloud and typed: lower case, a space, an O for a zero are all the same reference.
    const typed = ` ${shown.toLowerCase().replace('-', ' ').replace(/0/g, 'o')} `;
    expect(expectAnswer('superviseBreakGlass', await supervise(username, consoleHeader(a.console), typed))).toMatchObject({
      sessionId: view.session?.id,
      custodians: [a.agent.username],
    });

    const person = await api.createUser();
    const other = await api.device();
    const ordinary = await other.openEnrolment(await api.enrolmentCode(person));
    expect(SessionView.parse(expectAnswer('getSession', await other.call('getSession', { token: ordinary }))).supervision).toBeUndefined();
  });

  it('a session opened beside it with a spare code gets no confirmation meant for the key holder’s, and cannot complete', async () => {
    await start();
    const { username, device, token } = await openCeremony();
    const intruder = await api.device({ name: 'CISO-laptop' });
    const spare = await intruder.openEnrolment(await api.enrolmentCode(username));
    const [mine, theirs] = [await referenceOn(device, token), await referenceOn(intruder, spare)];
    expect(mine).not.toBe(theirs);

    const a = await custodian();
    expect((await ceremony(username, consoleHeader(a.console))).otherOpenSessions).toBe(1);
    const b = await custodian();
    for (const c of [a, b]) expectStatus(await supervise(username, consoleHeader(c.console), mine), 200);
    // The console now follows the session the custodians confirmed, whichever is newer.
    const seen = await ceremony(username, consoleHeader(a.console));
    expect(seen).toMatchObject({ custodians: [a.agent.username, b.agent.username], supervised: true, otherOpenSessions: 1 });
    expect(seen.session?.device).toBe(device.signals.name);

    // The intruder's session is supervised by nobody: their key and completion are refused.
    await labelled(username, intruder, spare, 'Mallory', 'Desk drawer');
    await labelled(username, intruder, spare, 'Mallory', 'Desk drawer 2');
    expectRefusal(await intruder.completion(spare), 403, 'break_glass_unsupervised');
    // A reference no open session shows confirms nothing.
    expectRefusal(await supervise(username, consoleHeader(a.console), 'ZZZZ-ZZZZ'), 409, 'break_glass_reference_mismatch');

    await labelled(username, device, token, 'CISO J. Doe', 'Safe A, Berlin');
    await labelled(username, device, token, 'CTO M. Roe', 'Safe B, Paris');
    expect((await device.complete(token)).recoveryCodes).toBeUndefined();
    // The completion ended the spare session: the intruder cannot try again.
    expectRefusal(await intruder.completion(spare), 401, 'session_invalid');
    const trail = await api.auditOf(username);
    expect(trail.filter((e) => e.event === 'enrolment.sessions_ended')).toHaveLength(1);
  });

  it('a session past its idle limit is not shown, and its reference confirms nothing', async () => {
    api = await bench.start({ sessionIdleSeconds: 300 });
    const { username, device, token } = await openCeremony();
    const reference = await referenceOn(device, token);
    api.clock.advance(301);
    const b = await custodian();
    expect((await ceremony(username, consoleHeader(b.console))).session).toBeNull();
    expectRefusal(await supervise(username, consoleHeader(b.console), reference), 404, 'not_found');
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

  it('a break-glass key that signs at the console is refused there, and its use is noticed like any other', async () => {
    await start();
    const { username, keys } = await enrolledBreakGlass();
    const { reply } = await signInReply(api, { username, key: keys[1].key, credentialId: keys[1].id });
    expectRefusal(reply, 400, 'verification_failed');
    const used = (await api.notificationsOf(username)).filter((n) => n.kind === 'break_glass.used');
    expect(used).toHaveLength(1);
    expect(JSON.parse(used[0]?.payload ?? '{}')).toMatchObject({
      details: { priority: 'high', account: username, custodian: 'CTO M. Roe', location: 'Safe B, Paris' },
    });
  });
});
