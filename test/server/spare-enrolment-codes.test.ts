import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callerOf, newService, TEST_DEVICE, TEST_JKT, TEST_ORIGIN, type ServiceHarness } from '../support/service-harness.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';

/**
 * A help-desk agent who issues two codes to someone not yet enrolled could keep the second and, once the
 * person has enrolled with the first, bind their own key to the account until that code expires (up to a day).
 * The person's first completion voids every other live code of theirs, and ends every other session a code
 * opened, even one opened before it.
 */

const AGENT_JKT = 'agent-device-key-thumbprint-00000000000000';

let h: ServiceHarness;
beforeEach(async () => {
  h = await newService();
  await h.services.accounts.createUser({ username: 'ada.new', displayName: 'Ada Lovelace', role: 'engineer' }, 'test');
});
afterEach(() => h.close());

const refusal = (code: string): unknown => expect.objectContaining({ name: 'ApiFailure', code });
const passkey = () => new SoftAuthenticator({ attachment: 'platform', userVerified: true, backupEligible: true, backedUp: true });

async function enrolWith(code: string): Promise<void> {
  const caller = callerOf((await h.services.enrolment.openSession(code, TEST_JKT, TEST_DEVICE)).token);
  const options = await h.services.enrolment.registrationOptions(caller, 'passkey');
  await h.services.enrolment.verifyRegistration(caller, 'passkey', passkey().create(options, { origin: TEST_ORIGIN }));
  await h.services.enrolment.complete(caller);
}

describe('spare enrolment codes at the first enrolment', () => {
  it('code B, issued beside code A, is refused as used once A completes, and the voiding is audited', async () => {
    const a = await h.services.accounts.issueCode('ada.new', 'agent.mallory');
    const b = await h.services.accounts.issueCode('ada.new', 'agent.mallory');
    await enrolWith(a.code);

    await expect(h.services.enrolment.openSession(b.code, AGENT_JKT, { ...TEST_DEVICE, name: 'agent-laptop' })).rejects.toEqual(
      refusal('code_used'),
    );
    // Not even from the person's own device: a voided code opens nothing.
    await expect(h.services.enrolment.openSession(b.code, TEST_JKT, TEST_DEVICE)).rejects.toEqual(refusal('code_used'));

    const voided = await h.db
      .selectFrom('audit_events')
      .select(['actor', 'details'])
      .where('event', '=', 'enrolment.codes_voided')
      .execute();
    expect(voided).toHaveLength(1);
    expect(voided[0]!.actor).toBe('ada.new');
    expect(JSON.parse(voided[0]!.details)).toMatchObject({ count: 1, purpose: 'enrol' });
    // Nobody can issue a fresh one either, as before.
    await expect(h.services.accounts.issueCode('ada.new', 'agent.mallory')).rejects.toEqual(refusal('already_enrolled'));
  });

  it('a completion with no spare code writes no voiding event', async () => {
    await enrolWith((await h.services.accounts.issueCode('ada.new', 'test')).code);
    const voided = await h.db.selectFrom('audit_events').select('seq').where('event', '=', 'enrolment.codes_voided').execute();
    expect(voided).toHaveLength(0);
  });

  it('a session opened with code B before A completes is ended by the completion: it can add no key, and the ending is audited', async () => {
    const a = await h.services.accounts.issueCode('ada.new', 'agent.mallory');
    const b = await h.services.accounts.issueCode('ada.new', 'agent.mallory');
    const agentDevice = { ...TEST_DEVICE, name: 'agent-laptop' };
    const spare = callerOf((await h.services.enrolment.openSession(b.code, AGENT_JKT, agentDevice)).token, AGENT_JKT);
    const spareOptions = await h.services.enrolment.registrationOptions(spare, 'passkey');
    await enrolWith(a.code);

    // Neither the ceremony begun before nor a new one: the session is over.
    const agentKey = passkey().create(spareOptions, { origin: TEST_ORIGIN });
    await expect(h.services.enrolment.verifyRegistration(spare, 'passkey', agentKey)).rejects.toEqual(refusal('session_invalid'));
    await expect(h.services.enrolment.registrationOptions(spare, 'passkey')).rejects.toEqual(refusal('session_invalid'));
    await expect(h.services.enrolment.complete(spare)).rejects.toEqual(refusal('session_invalid'));
    const keys = await h.db.selectFrom('credentials').select('status').execute();
    expect(keys.map((k) => k.status)).toEqual(['active']);

    const ended = await h.db
      .selectFrom('audit_events')
      .select(['actor', 'details'])
      .where('event', '=', 'enrolment.sessions_ended')
      .execute();
    expect(ended).toHaveLength(1);
    expect(ended[0]!.actor).toBe('ada.new');
    expect(JSON.parse(ended[0]!.details)).toMatchObject({ count: 1 });
  });
});
