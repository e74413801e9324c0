import { transaction } from '../db/transaction.js';
import type { DeviceSignals, SessionView } from '../../api/enrolment.js';
import type { RecoverInput } from '../../api/recovery.js';
import { appendAuditIn } from '../audit.js';
import type { ServiceDeps } from '../context.js';
import type { DeviceRegistry } from '../enrolment/devices.js';
import type { SessionStore } from '../enrolment/sessions.js';
import { notify } from '../notifications/outbox.js';
import { tierFor } from '../policy/evaluate.js';
import type { Helpdesk } from './helpdesk.js';
import type { RecoveryCodes } from './recovery-codes.js';
import { assertUserActive } from '../accounts/active.js';

/**
 * Opens `recover` sessions: for someone with no factor left, by a saved recovery code or an
 * approved help-desk code. They are shorter than enrolment sessions, and completing one retires
 * every other factor and device of the user (server/enrolment/completion.ts).
 */
export class RecoveryService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly sessions: SessionStore,
    private readonly devices: DeviceRegistry,
    private readonly codes: RecoveryCodes,
    private readonly helpdesk: Helpdesk,
  ) {}

  async openSession(
    input: RecoverInput,
    jkt: string,
    signals: DeviceSignals,
    /** The address per-client limits count (request.clientAddress). */
    client: string,
  ): Promise<{ token: string; session: SessionView; kiosk: false }> {
    const { db, clock, config } = this.deps;
    await this.devices.refuseRevoked(jkt);
    await this.devices.refuseStation(jkt);
    const redeemed =
      input.method === 'recovery-code'
        ? { ...(await this.codes.redeem(input.username, input.code, await this.devices.idOf(jkt), client)), requestId: null }
        : await this.helpdesk
            .redeem(input.requestId, input.code, jkt)
            .then(({ user, request }) => ({ user, codeId: null, requestId: request.id }));
    const { user } = redeemed;
    tierFor(this.deps.policy.policy, user);
    const device = await this.devices.record(jkt, signals);
    const { token, row } = this.sessions.create({
      user,
      purpose: 'recover',
      jkt,
      deviceId: device.id,
      ttlSeconds: config.recoverySessionTtlSeconds,
      openedBy: input.method === 'recovery-code' ? 'recovery-code' : 'helpdesk-code',
    });
    await transaction(db, async (tx) => {
      await assertUserActive(tx, user.id, clock.now());
      await tx.insertInto('sessions').values(row).execute();
      await appendAuditIn(tx, clock, {
        event: 'recovery.session_opened',
        actor: user.username,
        userId: user.id,
        details: { sessionId: row.id, method: input.method, deviceId: device.id, codeId: redeemed.codeId, requestId: redeemed.requestId },
      });
      await notify(tx, clock, {
        user,
        kind: 'recovery.started',
        device: { id: device.id, name: device.name },
        details: { method: input.method },
      });
    });
    return { token, session: this.sessions.view(row, user), kiosk: false };
  }
}
