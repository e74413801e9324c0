import { describe, expect, it } from 'vitest';
import { RecoveryRequestView } from '../../api/recovery.js';
import { expectStatus, passkey } from '../support/api-harness.js';
import { cliOnDisk } from '../support/cli-on-disk.js';
import { send } from '../support/http-client.js';
import { bearerHeader } from '../support/operators.js';

/** Operators managed at the terminal: roles, tokens, and decisions made as the token's account. */
describe('operator commands', () => {
  const cli = cliOnDisk('firstkey-operators-');
  const admin = (argv: string[], token?: string) => cli.admin(argv, token);

  it('grants a role, issues a token shown once, decides as its account, and revokes it', async () => {
    await cli.api.createUser({ username: 'grace' });
    expect((await admin(['grant-role', '--username', 'grace', '--role', 'helpdesk'])).out).toBe('grace holds helpdesk.');
    expect((await admin(['list-operators'])).out).toContain('grace');
    expect((await admin(['issue-token', '--username', 'grace', '--name', 'cli', '--scopes', 'operators:manage'])).code).toBe(1);
    const issued = await admin([
      'issue-token',
      '--username',
      'grace',
      '--name',
      'cli',
      '--scopes',
      'recovery:read,recovery:decide',
      '--days',
      '90',
    ]);
    expect(issued.code).toBe(0);
    const token = issued.out.split('\n')[1] ?? '';
    expect(token).toMatch(/^fk_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}$/);

    const { username } = await cli.api.enrolled(await cli.api.device(), passkey(), 'passkey');
    const fresh = await cli.api.device();
    const request = RecoveryRequestView.parse(
      (await fresh.call('fileRecoveryRequest', { body: { username, device: fresh.signals } })).body,
    );
    const decide = [
      'approve-recovery',
      '--request',
      request.reference,
      '--username',
      username,
      '--reason',
      'called back',
      '--checklist',
      'callback,identity',
    ];
    const refused = await admin(decide);
    expect(refused).toEqual({ code: 1, out: expect.stringContaining('FIRSTKEY_TOKEN') as unknown });
    expect((await admin(decide, token)).code).toBe(0);
    const approvals = (await cli.api.auditOf(username)).filter((e) => e.event === 'recovery.approved');
    expect(approvals.map((e) => e.actor)).toEqual(['account:grace']);

    const id = /^Token (\S+)/.exec(issued.out)?.[1] ?? '';
    expect((await admin(['revoke-token', '--id', id])).code).toBe(0);
    expect((await send(cli.api.server.url, 'listRecoveryRequests', { headers: bearerHeader(token) })).status).toBe(401);
    expect((await admin(['list-tokens'])).out).toContain('REVOKED');
    expectStatus(await cli.api.admin('listApiTokens'), 200);
  });
});
