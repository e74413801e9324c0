import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CreateSessionResponse } from '../../api/enrolment.js';
import { drainNotifications, type Notification } from '../../server/notifications/outbox.js';
import { consoleSink, defaultSink, startNotificationPump } from '../../server/notifications/sinks.js';
import { Api, expectStatus, passkey } from '../support/api-harness.js';

/** The outbox and its drain: every lifecycle event reaches a sink once, and carries no secret. */
let api: Api;
let dir: string;
beforeEach(async () => {
  api = await Api.start();
  dir = mkdtempSync(join(tmpdir(), 'firstkey-notify-'));
});
afterEach(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A recovery with a code: enough events to fill the outbox, and the secrets that must not leak. */
async function recovery() {
  const { username, recoveryCodes } = await api.enrolled(await api.device(), passkey(), 'passkey');
  const fresh = await api.device({ name: 'new laptop' });
  const { token } = CreateSessionResponse.parse(
    expectStatus(await fresh.recover({ method: 'recovery-code', username, code: recoveryCodes[0] }), 201),
  );
  await fresh.register(token, 'passkey', passkey());
  const done = await fresh.complete(token);
  return { username, secrets: [...recoveryCodes, ...(done.recoveryCodes ?? []), token] };
}

describe('drainNotifications', () => {
  it('hands each undelivered notification to the sink once, oldest first, with who, what and from which device', async () => {
    const { username } = await recovery();
    const seen: Notification[] = [];
    const count = await drainNotifications(api.db, async (n) => void seen.push(n), { clock: api.clock });
    expect(count).toBe(seen.length);
    expect(seen.map((n) => n.kind)).toEqual([
      'factor.added',
      'recovery.started',
      'factor.added',
      'factor.revoked',
      'device.revoked',
      'recovery.completed',
    ]);
    expect(seen.map((n) => n.id)).toEqual([...seen.map((n) => n.id)].sort((a, b) => a - b));
    const completed = seen.find((n) => n.kind === 'recovery.completed');
    expect(completed).toMatchObject({ user: { username, email: `${username}@corp.example` }, device: { name: 'new laptop' } });
    expect(completed?.message).toContain('If this was not you');
    expect(await drainNotifications(api.db, async () => {})).toBe(0);
    const undelivered = await api.db.selectFrom('notifications').select('id').where('delivered_at', 'is', null).execute();
    expect(undelivered).toHaveLength(0);
  });

  it('a failing sink leaves the notification and the rest for the next drain', async () => {
    await recovery();
    let calls = 0;
    await expect(
      drainNotifications(api.db, async () => {
        calls += 1;
        if (calls === 3) throw new Error('mail relay down');
      }),
    ).rejects.toThrow('mail relay down');
    const left = await api.db.selectFrom('notifications').select('id').where('delivered_at', 'is', null).execute();
    expect(left).toHaveLength(4);
    expect(await drainNotifications(api.db, async () => {})).toBe(4);
  });

  it('the file sink writes one JSON line each, and no code or token appears in the file or the outbox', async () => {
    const { secrets } = await recovery();
    const path = join(dir, 'notifications.jsonl');
    const pump = startNotificationPump(api.db, { notificationFile: path }, { intervalMs: 60_000 });
    expect(await pump.drainNow()).toBe(6);
    await pump.stop();
    const text = readFileSync(path, 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Notification);
    expect(lines.map((l) => l.kind)).toContain('recovery.completed');
    const outbox = JSON.stringify(await api.db.selectFrom('notifications').selectAll().execute());
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      expect(outbox).not.toContain(secret);
      expect(outbox).not.toContain(secret.replace(/-/g, ''));
    }
  });

  it('the console sink prints one line each; the default sink is the file when one is configured', async () => {
    await recovery();
    const printed: string[] = [];
    await drainNotifications(
      api.db,
      consoleSink((line) => printed.push(line)),
    );
    expect(printed).toHaveLength(6);
    expect(printed.at(-1)).toMatch(/^\[notification\] .* to person1@corp\.example \(recovery\.completed\): Your account was recovered/);
    const path = join(dir, 'default.jsonl');
    await defaultSink({ notificationFile: path })({
      kind: 'factor.added',
      id: 1,
      createdAt: '',
      user: { id: 'u', username: 'u', displayName: 'U', email: null },
      device: null,
      message: 'm',
      details: {},
    });
    expect(readFileSync(path, 'utf8')).toContain('"factor.added"');
  });
});
