import { describe, expect, it } from 'vitest';
import { ActivatedEmergencyAccess, EmergencyGrantView } from '../../api/operations/emergency-access.js';
import { expectStatus, passkey } from '../support/api-harness.js';
import { cliOnDisk } from '../support/cli-on-disk.js';

/** Emergency access at the terminal: naming an owner, the report, and decisions made as the account of FIRSTKEY_TOKEN. */
describe('emergency access commands', () => {
  const cli = cliOnDisk('firstkey-emergency-');
  const admin = (argv: string[], token?: string) => cli.admin(argv, token);

  it('names the owner, lists the request, approves it as a second admin, and ends it; never as the owner or without a token', async () => {
    const device = await cli.api.device();
    const key = passkey();
    const { username: owner } = await cli.api.enrolled(device, key, 'passkey');
    const body = {
      username: 'svc.backup',
      displayName: 'Backup job',
      email: 'backup@corp.example',
      role: 'service',
      accountKind: 'service',
    };
    expectStatus(await cli.api.admin('createUser', { body }), 201);

    expect(await admin(['set-service-owner', '--service', 'svc.backup', '--owner', owner])).toEqual({
      code: 0,
      out: `${owner} now owns svc.backup and may ask for emergency access to it`,
    });
    expect((await admin(['set-service-owner', '--service', owner, '--owner', owner])).code).toBe(1);
    expect((await admin(['emergency-grants'])).out).toBe('No emergency-access grants.');

    const session = await device.sessionWith(owner, 'manage', key);
    const asked = EmergencyGrantView.parse(
      expectStatus(
        await device.call('requestEmergencyAccess', {
          token: session,
          body: { serviceAccount: 'svc.backup', reason: 'restore last night’s backup by hand', minutes: 15 },
        }),
        201,
      ),
    );
    const listed = await admin(['emergency-grants', '--status', 'requested']);
    expect(listed.out).toContain(`${asked.reference}  requested  svc.backup for ${owner}  15 min`);
    expect((await admin(['emergency-grants', '--status', 'approved'])).out).toBe('No emergency-access grants.');

    // No token: nobody to decide as. The owner's own admin token: not for their own request.
    const noToken = await admin(['approve-emergency', '--grant', asked.reference, '--reason', 'restore approved by CTO']);
    expect(noToken.code).toBe(1);
    expect(noToken.out).toContain('FIRSTKEY_TOKEN');
    expect((await admin(['grant-role', '--username', owner, '--role', 'admin'])).code).toBe(0);
    const ownToken = (await admin(['issue-token', '--username', owner, '--name', 'cli', '--scopes', 'emergency:decide'])).out.split(
      '\n',
    )[1];
    const own = await admin(['approve-emergency', '--grant', asked.reference, '--reason', 'restore approved by me'], ownToken);
    expect(own).toEqual({ code: 1, out: 'Error: nobody approves their own emergency access: another admin must' });

    await cli.api.createUser({ username: 'grace' });
    expect((await admin(['grant-role', '--username', 'grace', '--role', 'admin'])).code).toBe(0);
    const grace = (
      await admin(['issue-token', '--username', 'grace', '--name', 'cli', '--scopes', 'emergency:decide,emergency:read'])
    ).out.split('\n')[1];
    expect((await admin(['approve-emergency', '--grant', asked.reference, '--reason', 'short'], grace)).code).toBe(1);
    const approved = await admin(
      ['approve-emergency', '--grant', asked.reference.replace('-', '').toLowerCase(), '--reason', 'restore approved by CTO'],
      grace,
    );
    expect(approved.code).toBe(0);
    expect(approved.out).toContain(`${asked.reference}  approved  svc.backup for ${owner}`);
    expect(approved.out).toContain('approved by account:grace');

    const collected = ActivatedEmergencyAccess.parse(
      expectStatus(await device.call('activateEmergencyAccess', { token: session, params: { id: asked.id } }), 200),
    );
    expect(collected.grant.status).toBe('active');
    const ended = await admin(['end-emergency', '--grant', asked.reference, '--reason', 'restore finished early'], grace);
    expect(ended.code).toBe(0);
    expect(ended.out).toContain('ended by account:grace');
    expect((await cli.api.auditOf('svc.backup')).map((e) => [e.event, e.actor])).toEqual([
      ['user.created', 'admin-api'],
      ['service_account.owner_set', 'cli:tester'],
      ['emergency.requested', owner],
      ['emergency.approved', 'account:grace'],
      ['emergency.activated', owner],
      ['emergency.ended', 'account:grace'],
    ]);
  });
});
