import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../server/audit.js';
import { sha256 } from '../../server/secrets.js';
import { TEST_DATABASE } from '../support/test-database.js';
import { h, openSession, passkey, register, useEnrolmentService } from './enrolment-support.js';

/** The audit trail an enrolment leaves: every step recorded, and any edit, removal or forgery detected. */

useEnrolmentService();

describe('audit trail', () => {
  async function fullFlow() {
    const { caller } = await openSession();
    await register(caller, 'passkey', passkey());
    await h.services.enrolment.complete(caller);
  }

  it('records the flow in a hash chain that verifies', async () => {
    await fullFlow();
    const events = await h.db.selectFrom('audit_events').select('event').orderBy('seq').execute();
    expect(events.map((e) => e.event)).toEqual([
      'user.created',
      'code.issued',
      'device.seen',
      'session.opened',
      'factor.registered',
      'session.completed',
      'device.bound',
      'recovery.codes_issued',
    ]);
    expect(await verifyAuditChain(h.db)).toBeNull();
  });

  it('the database itself refuses UPDATE and DELETE on audit events', async () => {
    await fullFlow();
    await expect(h.db.updateTable('audit_events').set({ actor: 'mallory' }).where('seq', '=', 2).execute()).rejects.toThrow(/append-only/);
    await expect(h.db.deleteFrom('audit_events').where('seq', '=', 2).execute()).rejects.toThrow(/append-only/);
    expect(await verifyAuditChain(h.db)).toBeNull();
  });

  async function dropTriggers() {
    // Someone with the database file can drop the triggers; the chain still tells.
    if (TEST_DATABASE === 'postgres') {
      await sql`DROP TRIGGER audit_events_append_only ON audit_events`.execute(h.db);
      return;
    }
    await sql`DROP TRIGGER audit_no_update`.execute(h.db);
    await sql`DROP TRIGGER audit_no_delete`.execute(h.db);
  }

  it('detects an edited row', async () => {
    await fullFlow();
    await dropTriggers();
    await h.db.updateTable('audit_events').set({ actor: 'mallory' }).where('seq', '=', 3).execute();
    expect(await verifyAuditChain(h.db)).toBe(3);
  });

  it('detects a removed row', async () => {
    await fullFlow();
    await dropTriggers();
    await h.db.deleteFrom('audit_events').where('seq', '=', 2).execute();
    expect(await verifyAuditChain(h.db)).toBe(3);
  });

  it('detects a row appended around the code, even one that links to the last hash', async () => {
    await fullFlow();
    const last = await h.db.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    await h.db
      .insertInto('audit_events')
      .values({
        at: h.clock.now().toISOString(),
        event: 'factor.activated',
        actor: 'mallory',
        user_id: null,
        details: '{}',
        prev_hash: last.hash,
        hash: sha256('forged'),
      })
      .execute();
    expect(await verifyAuditChain(h.db)).toBe(last.seq + 1);
  });
});
