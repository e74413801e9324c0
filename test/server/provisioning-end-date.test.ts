import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utcDay } from '../../server/accounts/active.js';
import { END_DATE_ACTOR, sweepEndedContractors } from '../../server/enrolment/sweeper.js';
import { Api, expectRefusal, passkey } from '../support/api-harness.js';
import { FIRSTKEY_USER, invitationCodes, scim, scimUser } from './scim-client.js';

let api: Api;

beforeAll(async () => {
  api = await Api.start();
});
afterAll(async () => {
  await api.close();
});

const day = (offsetDays: number) => utcDay(new Date(api.clock.now().getTime() + offsetDays * 86_400_000));

async function person(userName: string, userType: 'Contractor' | 'Employee', endDate: string): Promise<string> {
  const created = await scim(api, 'POST', '/Users', {
    ...scimUser(userName, { userType }),
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', FIRSTKEY_USER],
    [FIRSTKEY_USER]: { endDate },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
}

const setEndDate = (id: string, endDate: string) =>
  scim(api, 'PATCH', `/Users/${id}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'replace', path: `${FIRSTKEY_USER}:endDate`, value: endDate }],
  });

describe('contractor end dates', () => {
  it('works through the last day; from the next day the contractor is refused at every way in', async () => {
    const id = await person('temp.one', 'Contractor', day(0));
    const device = await api.device();
    const key = passkey();
    const token = await device.openEnrolment((await invitationCodes(api, 'temp.one'))[0] ?? '');
    await device.register(token, 'passkey', key);
    await device.complete(token);
    // On the last day itself: still in.
    expect(await device.sessionWith('temp.one', 'manage', key)).toBeTruthy();

    api.clock.advance(86_400);
    // The operator is told plainly; a stranger typing the username learns nothing new.
    expectRefusal(await api.admin('issueCode', { body: { username: 'temp.one' } }), 403, 'account_inactive');
    const credentialId = (await api.db.selectFrom('credentials').select('id').where('user_id', '=', id).executeTakeFirstOrThrow()).id;
    expectRefusal(await device.authenticate('temp.one', 'manage', key, { credentialId }), 400, 'verification_failed');
    const stranger = await api.device();
    const options = await stranger.call('authenticationOptions', { body: { username: 'temp.one', purpose: 'manage' } });
    expect(options.status).toBe(200);
    const row = await api.db.selectFrom('assertion_ceremonies').select('user_id').where('jkt', '=', stranger.jkt).executeTakeFirstOrThrow();
    expect(row.user_id).toBeNull();
  });

  it('the admin API takes a contractor end date at creation', async () => {
    const body = { username: 'api.temp', displayName: 'API Temp', employmentType: 'contractor', endDate: day(-1), manager: 'boss' };
    expect((await api.admin('createUser', { body })).status).toBe(201);
    expectRefusal(await api.admin('issueCode', { body: { username: 'api.temp' } }), 403, 'account_inactive');
    expect((await api.admin('createUser', { body: { ...body, username: 'api.bad', endDate: '2031-13-01' } })).status).toBe(400);
  });

  it('an end date in the past (set over SCIM) refuses a code the contractor already holds', async () => {
    const id = await person('temp.two', 'Contractor', day(30));
    const [code] = await invitationCodes(api, 'temp.two');
    expect((await setEndDate(id, day(-1))).status).toBe(200);
    expectRefusal(
      await (await api.device()).call('openSession', { body: { code, device: (await api.device()).signals } }),
      403,
      'account_inactive',
    );
    // Extended again: the same code works.
    expect((await setEndDate(id, day(10))).status).toBe(200);
    expect(await (await api.device()).openEnrolment(code ?? '')).toBeTruthy();
  });

  it('the sweeper deactivates contractors past their end date through the leaver path, as system:end-date, once', async () => {
    const id = await person('temp.three', 'Contractor', day(5));
    const device = await api.device();
    const key = passkey();
    const token = await device.openEnrolment((await invitationCodes(api, 'temp.three'))[0] ?? '');
    await device.register(token, 'passkey', key);
    await device.complete(token);
    const manage = await device.sessionWith('temp.three', 'manage', key);
    // An employee's end date is not a contractor's: it neither refuses nor sweeps them.
    const employee = await person('staff.one', 'Employee', day(-3));
    expect((await api.admin('issueCode', { body: { username: 'staff.one' } })).status).toBe(201);

    await sweepEndedContractors({ db: api.db, clock: api.clock }); // whoever the earlier tests left past their end date
    expect(await sweepEndedContractors({ db: api.db, clock: api.clock })).toBe(0);
    expect((await setEndDate(id, day(-1))).status).toBe(200);
    expect(await sweepEndedContractors({ db: api.db, clock: api.clock })).toBe(1);
    expect(await sweepEndedContractors({ db: api.db, clock: api.clock })).toBe(0);

    const left = (await api.auditOf('temp.three')).find((e) => e.event === 'user.deactivated');
    expect(left).toMatchObject({ actor: END_DATE_ACTOR, details: { reason: 'end_date', factors: 1, devices: 1 } });
    expectRefusal(await device.call('securityOverview', { token: manage }), 401, 'session_invalid');
    expect((await api.db.selectFrom('credentials').select('status').where('user_id', '=', id).execute()).map((c) => c.status)).toEqual([
      'revoked',
    ]);
    expect((await scim(api, 'GET', `/Users/${id}`)).body.active).toBe(false);
    expect((await scim(api, 'GET', `/Users/${employee}`)).body.active).toBe(true);
  });
});
