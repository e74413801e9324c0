import type { MoveView, SetRoleBody } from '../../api/operations/movers.js';
import type { ServiceDeps } from '../context.js';
import { ApiFailure } from '../errors.js';
import { tierFor } from '../policy/evaluate.js';
import type { ProvisioningService } from '../provisioning/service.js';
import { moverComplianceOf } from './overview.js';

/**
 * Role and employment changes asked for directly (admin API, console, CLI). They go through provisioning's
 * update, the path SCIM and the joiners import take, so a move is judged (server/movers/reevaluate.ts), audited
 * and notified the same way whoever asks.
 */
export class MoverService {
  constructor(
    private readonly deps: Pick<ServiceDeps, 'db' | 'clock' | 'policy'>,
    private readonly provisioning: ProvisioningService,
  ) {}

  async setRole(username: string, changes: SetRoleBody, actor: string, via: string): Promise<MoveView> {
    const person = await this.provisioning.byUsername(username);
    if (!person || person.state.deleted_at) throw new ApiFailure('not_found', `no user ${username}`);
    const asked = {
      ...(changes.role !== undefined ? { role: changes.role } : {}),
      ...(changes.employmentType !== undefined ? { employmentType: changes.employmentType } : {}),
    };
    const { changed, person: after } = await this.provisioning.update(person.user.id, asked, undefined, actor, via);
    const user = after.user;
    const policy = this.deps.policy.policy;
    return {
      username: user.username,
      role: user.role,
      employmentType: user.employment_type,
      tier: user.account_kind === 'service' ? null : tierFor(policy, user).name,
      changed: changed.length > 0,
      compliance: await moverComplianceOf(this.deps.db, policy, user, this.deps.clock.now()),
    };
  }
}
