import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../support/api-harness.js';
import { CORE_USER, ENTERPRISE_USER, expectScimError, FIRSTKEY_USER, fixture, invitationCodes, scim, scimUser } from './scim-client.js';

let api: Api;

const without = (body: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(body).filter(([k]) => k !== key));

beforeAll(async () => {
  api = await Api.start();
});
afterAll(async () => {
  await api.close();
});

describe('SCIM refusals, in SCIM error bodies', () => {
  it('no token, or a wrong one, is 401 with WWW-Authenticate: Bearer, before anything is read', async () => {
    for (const token of [null, 'not-the-token-0123456789abcdefghijkl']) {
      for (const [method, path] of [
        ['GET', '/Users'],
        ['POST', '/Users'],
        ['GET', '/ServiceProviderConfig'],
        ['DELETE', '/Users/anything'],
      ] as const) {
        const reply = await scim(api, method, path, method === 'POST' ? scimUser('intruder') : undefined, { token });
        expectScimError(reply, 401);
        expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    }
    expect((await scim(api, 'GET', `/Users?filter=${encodeURIComponent('userName eq "intruder"')}`)).body.totalResults).toBe(0);
  });

  it('a duplicate userName in any case is 409 uniqueness, and so is a taken externalId', async () => {
    expect((await scim(api, 'POST', '/Users', scimUser('Dup.Person', { externalId: 'ext-dup' }))).status).toBe(201);
    for (const name of ['Dup.Person', 'dup.person', 'DUP.PERSON']) {
      expectScimError(await scim(api, 'POST', '/Users', scimUser(name)), 409, 'uniqueness');
    }
    expectScimError(await scim(api, 'POST', '/Users', scimUser('other.dup', { externalId: 'ext-dup' })), 409, 'uniqueness');
    const created = await scim(api, 'POST', '/Users', scimUser('third.dup'));
    const patch = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'externalId', value: 'ext-dup' }],
    };
    expectScimError(await scim(api, 'PATCH', `/Users/${created.body.id as string}`, patch), 409, 'uniqueness');
    // Only the first was created, and only it got a code.
    const users = await api.db.selectFrom('users').select('username').where('username', 'like', '%up%erson').execute();
    expect(users).toHaveLength(1);
    expect(await invitationCodes(api, 'Dup.Person')).toHaveLength(1);
  });

  it('missing userName, a wrong or missing schema, bad values and bad JSON are 400, and create nothing', async () => {
    const before = await api.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const noName = without(scimUser('x'), 'userName');
    expectScimError(await scim(api, 'POST', '/Users', noName), 400, 'invalidValue');
    expectScimError(
      await scim(api, 'POST', '/Users', { ...scimUser('wrong.schema'), schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'] }),
      400,
      'invalidValue',
    );
    const noSchema = without(scimUser('no.schema'), 'schemas');
    expectScimError(await scim(api, 'POST', '/Users', noSchema), 400, 'invalidValue');
    expectScimError(await scim(api, 'POST', '/Users', scimUser('bad name with spaces')), 400, 'invalidValue');
    expectScimError(await scim(api, 'POST', '/Users', scimUser('bad.type', { userType: 'Intern' })), 400, 'invalidValue');
    expectScimError(await scim(api, 'POST', '/Users', scimUser('bad.active', { active: 'maybe' })), 400, 'invalidValue');
    expectScimError(
      await scim(api, 'POST', '/Users', scimUser('bad.email', { emails: [{ value: 'not-an-email', primary: true }] })),
      400,
      'invalidValue',
    );
    expectScimError(
      await scim(api, 'POST', '/Users', {
        ...scimUser('bad.end'),
        schemas: [CORE_USER, FIRSTKEY_USER],
        [FIRSTKEY_USER]: { endDate: '2031-02-30' },
      }),
      400,
      'invalidValue',
    );
    expectScimError(await scim(api, 'POST', '/Users', undefined, { raw: '{"schemas": [' }), 400, 'invalidSyntax');
    expectScimError(await scim(api, 'POST', '/Users', [scimUser('array')]), 400, 'invalidSyntax');
    const after = await api.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('a filter other than userName/externalId/id eq "value" is 400 invalidFilter, never ignored', async () => {
    for (const filter of ['userName sw "a"', 'displayName eq "x"', 'userName eq x', 'userName eq "a" or userName eq "b"', 'garbage']) {
      expectScimError(await scim(api, 'GET', `/Users?filter=${encodeURIComponent(filter)}`), 400, 'invalidFilter');
    }
  });

  it('PATCH refuses a bad op, a changed userName, removing active, and an unknown user', async () => {
    const id = (await scim(api, 'POST', '/Users', scimUser('patch.target'))).body.id as string;
    const op = (operations: unknown[]) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations });
    expectScimError(await scim(api, 'PATCH', `/Users/${id}`, op([{ op: 'move', path: 'active', value: false }])), 400, 'invalidValue');
    expectScimError(
      await scim(api, 'PATCH', `/Users/${id}`, op([{ op: 'replace', path: 'userName', value: 'someone.else' }])),
      400,
      'mutability',
    );
    expectScimError(await scim(api, 'PATCH', `/Users/${id}`, op([{ op: 'remove', path: 'active' }])), 400, 'mutability');
    expectScimError(await scim(api, 'PATCH', `/Users/${id}`, op([])), 400, 'invalidValue');
    expectScimError(
      await scim(api, 'PATCH', `/Users/${id}`, { Operations: [{ op: 'replace', value: { active: false } }] }),
      400,
      'invalidValue',
    );
    expectScimError(await scim(api, 'PATCH', '/Users/no-such-id', fixture('okta-patch-deactivate.json')), 404);
    expectScimError(await scim(api, 'GET', '/Users/no-such-id'), 404);
    expectScimError(await scim(api, 'GET', '/Groups'), 404);
    expect((await scim(api, 'GET', `/Users/${id}`)).body.active).toBe(true);
  });
});

describe('identity providers as they send', () => {
  it('Entra ID: its create, then its attribute PATCH (path forms, manager as a bare id, roles, userType, the FirstKey end date)', async () => {
    const created = await scim(api, 'POST', '/Users', fixture('entra-create-user.json'));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      userName: 'Grace.Hopper@corp.example',
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      displayName: 'Grace Hopper',
      userType: 'Employee',
      roles: [{ value: 'employee' }],
      [ENTERPRISE_USER]: { manager: { value: 'ada.lovelace@corp.example' } },
    });
    const id = created.body.id as string;
    const patched = await scim(api, 'PATCH', `/Users/${id}`, fixture('entra-patch-attributes.json'));
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({
      displayName: 'Grace Hopper-Murray',
      emails: [{ value: 'grace.h@corp.example' }],
      userType: 'Contractor',
      roles: [{ value: 'admin' }],
      [ENTERPRISE_USER]: { manager: { value: '2819c223-7f76-453a-919d-413861904646' } },
      [FIRSTKEY_USER]: { endDate: '2031-06-30' },
    });
    const user = await api.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(user).toMatchObject({ role: 'admin', employment_type: 'contractor', email: 'grace.h@corp.example' });
    // The string "False" Entra ID sends deactivates; the no-path value object re-activates.
    expect((await scim(api, 'PATCH', `/Users/${id}`, fixture('entra-patch-disable.json'))).body.active).toBe(false);
    const back = await scim(api, 'PATCH', `/Users/${id}`, fixture('entra-patch-enable-no-path.json'));
    expect(back.body).toMatchObject({ active: true, displayName: 'Grace Hopper' });
    const events = (await api.auditOf('Grace.Hopper@corp.example')).map((e) => e.event);
    expect(events).toEqual([
      'user.created',
      'code.issued',
      'user.updated',
      'user.role_changed',
      'user.deactivated',
      'user.updated',
      'user.reactivated',
      'code.issued',
    ]);
  });

  it('Okta: its create (password and locale ignored, never stored), its lookup by filter, its deactivation', async () => {
    const lookup = await scim(
      api,
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "katherine.johnson@corp.example"')}&startIndex=1&count=100`,
    );
    expect(lookup.body).toMatchObject({ totalResults: 0, Resources: [] });
    const created = await scim(api, 'POST', '/Users', fixture('okta-create-user.json'), {
      contentType: 'application/scim+json; charset=utf-8',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ displayName: 'Katherine Johnson', externalId: '00ujl29u0le5T6Aj10h7', active: true });
    expect(JSON.stringify(created.body)).not.toContain('1mz050nq');
    const id = created.body.id as string;
    const off = await scim(api, 'PATCH', `/Users/${id}`, fixture('okta-patch-deactivate.json'));
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    const found = await scim(api, 'GET', `/Users?filter=${encodeURIComponent('userName eq "katherine.johnson@corp.example"')}`);
    expect(found.body.Resources?.[0]).toMatchObject({ id, active: false });
  });
});
