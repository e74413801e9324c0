// What the console reads and sends: the server's own contract (api/), types only.
export type { IssueCodeResponse } from '../../../api/admin';
export type { FunnelReport } from '../../../api/friction';
export type { Permission } from '../../../api/permissions';
export type { PersonView, PersonFactor, PersonDevice, PersonEvent } from '../../../api/people';
export type { HelpdeskRequestView, RecoveryApprovalResponse } from '../../../api/recovery';
export type { MoveView, SetRoleBody } from '../../../api/operations/movers';
export type { EmergencyGrantList, EmergencyGrantStatus, EmergencyGrantView } from '../../../api/operations/emergency-access';

/** One item of the policy's identity check (`helpdesk.checklist`): the agent ticks each before deciding. */
export interface ChecklistItem {
  id: string;
  label: string;
}

/** The signed-in agent, as POST /v1/console/sign-in and GET /v1/console/me describe them. */
export interface Agent {
  username: string;
  displayName: string;
  roles: string[];
  permissions: string[];
}

export interface ConsoleSession {
  token: string;
  expiresAt: string;
  idleEndsAt: string;
  agent: Agent;
}
export type { BreakGlassCeremonyKey, BreakGlassCeremonyView, BreakGlassKeyLabel } from '../../../api/operations/break-glass';
