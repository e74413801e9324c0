import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecoveryApprovalResponse, RecoveryRequestList, RecoveryRequestView } from '../../api/recovery.js';
import { Api, expectAnswer, expectRefusal, expectStatus, passkey, securityKey } from '../support/api-harness.js';
import { send } from '../support/http-client.js';
import { agentBearer, agentToken, asAgent, bearerHeader, CHECKED } from '../support/operators.js';

/** Two-person approval counts accounts; API tokens hold no more than their account's roles. */
let api: Api;
beforeEach(async () => {
  api = await Api.start();
});
afterEach(() => api.close());

async function filed(role = 'engineer'): Promise<{ username: string; id: string }> {
  const privileged = role === 'admin';
  const { username } = await api.enrolled(
    await api.device(),
    privileged ? securityKey() : passkey(),
    privileged ? 'security-key' : 'passkey',
    { role },
  );
  const fresh = await api.device();
  const request = RecoveryRequestView.parse(
    expectStatus(await fresh.call('fileRecoveryRequest', { body: { username, device: fresh.signals } }), 201),
  );
  return { username, id: request.id };
}

describe('API tokens', () => {
  it('a person issues tokens for their own account only: one admin cannot approve a second time as another agent', async () => {
    const { username, id } = await filed('admin');
    await agentBearer(api, 'alan');
    const mallory = await agentBearer(api, 'mallory', 'admin');
    expectStatus(
      await send(api.server.url, 'approveRecovery', { params: { id }, body: { username, ...CHECKED }, headers: bearerHeader(mallory) }),
      200,
    );
    const forAlan = await send(api.server.url, 'issueApiToken', {
      params: { username: 'alan' },
      body: { name: 'as alan', scopes: ['recovery:decide'] },
      headers: bearerHeader(mallory),
    });
    expectRefusal(forAlan, 403, 'forbidden');
    expect(await api.db.selectFrom('api_tokens').select('name').where('name', '=', 'as alan').execute()).toEqual([]);
    // Her own next token is hers, and still counts as her.
    const own = await send(api.server.url, 'issueApiToken', {
      params: { username: 'mallory' },
      body: { name: 'second laptop', scopes: ['recovery:decide'] },
      headers: bearerHeader(mallory),
    });
    const again = expectAnswer('issueApiToken', own).token;
    api.clock.advance(5);
    const second = await send(api.server.url, 'approveRecovery', {
      params: { id },
      body: { username, ...CHECKED },
      headers: bearerHeader(again),
    });
    expect(second.status).not.toBe(200);
    expect(await api.db.selectFrom('recovery_requests').select('status').where('id', '=', id).executeTakeFirstOrThrow()).toEqual({
      status: 'pending',
    });
  });

  it('a token cannot be issued beyond its account’s roles', async () => {
    await agentBearer(api, 'grace');
    expectRefusal(
      await api.admin('issueApiToken', { params: { username: 'grace' }, body: { name: 'too much', scopes: ['operators:manage'] } }),
      400,
      'invalid_request',
    );
  });

  it('a revoked token, or a revoked role, loses access at once', async () => {
    await agentBearer(api, 'grace');
    const issued = await agentToken(api, 'grace', ['recovery:read']);
    expectStatus(await send(api.server.url, 'listRecoveryRequests', { headers: bearerHeader(issued.token) }), 200);
    expect(JSON.stringify(await api.db.selectFrom('api_tokens').selectAll().execute())).not.toContain(issued.token);
    expectStatus(await api.admin('revokeApiToken', { params: { id: issued.id } }), 204);
    expectRefusal(await send(api.server.url, 'listRecoveryRequests', { headers: bearerHeader(issued.token) }), 401, 'unauthorized');

    const second = await agentToken(api, 'grace', ['recovery:read']);
    expectStatus(await api.admin('revokeOperatorRole', { params: { username: 'grace', role: 'helpdesk' } }), 200);
    expectRefusal(await send(api.server.url, 'listRecoveryRequests', { headers: bearerHeader(second.token) }), 403, 'forbidden');
  });

  it('a token for one permission is 403 elsewhere; a made-up token is 401', async () => {
    await agentBearer(api, 'grace');
    const reader = await agentToken(api, 'grace', ['recovery:read']);
    const { username, id } = await filed();
    expectRefusal(
      await send(api.server.url, 'approveRecovery', {
        params: { id },
        body: { username, ...CHECKED },
        headers: bearerHeader(reader.token),
      }),
      403,
      'forbidden',
    );
    const forged = `fk_${reader.id}_${'A'.repeat(43)}`;
    expectRefusal(await send(api.server.url, 'listRecoveryRequests', { headers: bearerHeader(forged) }), 401, 'unauthorized');
  });
});

describe('two-person approval', () => {
  it('the same account twice, with a second token, is no second approval', async () => {
    const { username, id } = await filed('admin');
    const first = RecoveryApprovalResponse.parse(
      expectStatus(await asAgent(api, 'grace', 'approveRecovery', { params: { id }, body: { username, ...CHECKED } }), 200),
    );
    expect(first.request.approvals).toEqual([expect.objectContaining({ agent: 'grace' })]);
    const again = await agentToken(api, 'grace', ['recovery:decide'], 'second token');
    const twice = await send(api.server.url, 'approveRecovery', {
      params: { id },
      body: { username, ...CHECKED },
      headers: bearerHeader(again.token),
    });
    expectRefusal(twice, 409, 'approval_refused');
    api.clock.advance(5);
    const second = RecoveryApprovalResponse.parse(
      expectStatus(await asAgent(api, 'alan', 'approveRecovery', { params: { id }, body: { username, ...CHECKED } }), 200),
    );
    expect(second.code).toBeDefined();
    expect(second.request.approvals.map((a) => a.agent)).toEqual(['grace', 'alan']);
  });

  it('Agent.Alice and agent.alice cannot both exist', async () => {
    await api.createUser({ username: 'agent.alice' });
    const body = {
      username: 'Agent.Alice',
      displayName: 'Alice',
      email: 'alice2@corp.example',
      role: 'engineer',
      employmentType: 'employee',
    };
    expectRefusal(await api.admin('createUser', { body }), 400, 'invalid_request');
  });

  it('the bootstrap token cannot decide: it is no person', async () => {
    const { username, id } = await filed();
    const reply = await api.admin('approveRecovery', { params: { id }, body: { username, ...CHECKED } });
    expectRefusal(reply, 403, 'forbidden');
    expect(JSON.stringify(reply.body)).toContain('agent account');
  });

  it('approving needs every identity check of the policy, named when missing; the list says what they are', async () => {
    const { username, id } = await filed();
    const reply = await asAgent(api, 'grace', 'approveRecovery', {
      params: { id },
      body: { username, reason: 'sounded right', checklist: ['callback'] },
    });
    expectRefusal(reply, 400, 'invalid_request');
    expect(JSON.stringify(reply.body)).toContain('identity');
    const listed = RecoveryRequestList.parse(expectStatus(await asAgent(api, 'grace', 'listRecoveryRequests'), 200));
    expect(listed.checklist?.map((c) => c.id)).toEqual(['callback', 'identity']);
    expect(
      expectAnswer('approveRecovery', await asAgent(api, 'grace', 'approveRecovery', { params: { id }, body: { username, ...CHECKED } }))
        .code,
    ).toBeDefined();
  });

  it('an agent cannot approve their own account’s recovery', async () => {
    const { username, id } = await filed();
    expectStatus(await api.admin('grantOperatorRole', { params: { username }, body: { role: 'helpdesk' } }), 200);
    expectRefusal(
      await asAgent(api, username, 'approveRecovery', { params: { id }, body: { username, ...CHECKED } }),
      409,
      'approval_refused',
    );
  });
});
