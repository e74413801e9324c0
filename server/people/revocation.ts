import { appendAuditIn } from '../audit.js';
import type { ServiceDeps } from '../context.js';
import { transaction } from '../db/transaction.js';
import type { DeviceRegistry } from '../enrolment/devices.js';
import { ApiFailure } from '../errors.js';
import { notify } from '../notifications/outbox.js';

/**
 * An agent revoking a person's factor or device: the change, the audit event naming the acting
 * account and the reason, and the person's notification commit together.
 */
export class PersonRevocation {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly devices: DeviceRegistry,
  ) {}

  /** Active or suspended factors only; the person's last factor too (a lost key must stop working even if it leaves them with none). */
  async revokeFactor(credentialId: string, reason: string, actor: string): Promise<void> {
    const { db, clock } = this.deps;
    await transaction(db, async (tx) => {
      const now = clock.now().toISOString();
      const factor = await tx
        .updateTable('credentials')
        .set({ status: 'revoked', status_changed_at: now })
        .where('id', '=', credentialId)
        .where('status', 'in', ['active', 'suspended'])
        .returning(['user_id', 'factor', 'name', 'authenticator_name'])
        .executeTakeFirst();
      if (!factor) throw new ApiFailure('not_found', `no active or suspended factor ${credentialId}`);
      const user = await tx.selectFrom('users').selectAll().where('id', '=', factor.user_id).executeTakeFirstOrThrow();
      await appendAuditIn(tx, clock, {
        event: 'factor.revoked',
        actor,
        userId: user.id,
        details: { credentialId, factor: factor.factor, reason },
      });
      await notify(tx, clock, {
        user,
        kind: 'factor.revoked',
        details: { credentialId, factor: factor.factor, name: factor.name ?? factor.authenticator_name },
      });
    });
  }

  /** Only a device bound to this person (now or before): the agent revokes what they saw on that person's page. */
  async revokeDevice(username: string, deviceId: string, reason: string, actor: string): Promise<void> {
    const { db, clock } = this.deps;
    await transaction(db, async (tx) => {
      const user = await tx.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
      const bound =
        user &&
        (await tx
          .selectFrom('device_bindings')
          .innerJoin('devices', 'devices.id', 'device_bindings.device_id')
          .select(['devices.id', 'devices.name'])
          .where('device_bindings.user_id', '=', user.id)
          .where('devices.id', '=', deviceId)
          .executeTakeFirst());
      if (!user || !bound || !(await this.devices.revokeIn(tx, deviceId))) {
        throw new ApiFailure('not_found', `no active device ${deviceId} of ${username}`);
      }
      await appendAuditIn(tx, clock, { event: 'device.revoked', actor, userId: user.id, details: { deviceId, reason } });
      await notify(tx, clock, { user, kind: 'device.revoked', device: { id: bound.id, name: bound.name } });
    });
  }
}
