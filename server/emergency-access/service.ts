import type { EmergencyGrantStatus } from '../../api/operations/emergency-access.js';
import type { ServiceDeps } from '../context.js';
import type { Principal } from '../operators/principal.js';
import type { SessionStore } from '../enrolment/sessions.js';
import { decideGrant, endGrantAsAdmin, listGrants } from './decisions.js';
import { introspect } from './introspection.js';
import { OwnerRequests } from './owner-requests.js';
import { setServiceOwner } from './owners.js';
import { sweepEmergencyGrants } from './sweep.js';

/** Emergency human-backed access to service accounts: the owner's side, the admins' decisions, the systems' question. */
export class EmergencyAccessService {
  readonly owner: OwnerRequests;

  constructor(
    private readonly deps: ServiceDeps,
    sessions: SessionStore,
  ) {
    this.owner = new OwnerRequests(deps, sessions);
  }

  setOwner = (service: string, owner: string, actor: string) => setServiceOwner(this.deps, service, owner, actor);
  list = (status?: EmergencyGrantStatus) => listGrants(this.deps, status);
  decide = (typed: string, decision: 'approve' | 'deny', reason: string, principal: Principal) =>
    decideGrant(this.deps, typed, decision, reason, principal);
  end = (typed: string, reason: string, principal: Principal) => endGrantAsAdmin(this.deps, typed, reason, principal);
  introspect = (token: string, principal: Principal) => introspect(this.deps, token, principal);
  sweep = () => sweepEmergencyGrants(this.deps);
}
