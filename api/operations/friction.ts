import { FunnelQuery, FunnelReport, StepTimings } from '../friction.js';
import { operation, type OperationSpec } from '../operation-spec.js';

/** The HTTP operations of friction: the enrolment funnel and the app's step timings (merged into api/http.ts). */
export const frictionOperations = {
  funnelReport: operation({
    method: 'GET',
    path: '/v1/admin/metrics/funnel',
    summary: 'The enrolment funnel, times to enrol, drop-off, refusals, recoveries and help-desk load since a time (counts only)',
    auth: 'admin',
    permission: 'metrics:read',
    query: FunnelQuery,
    response: FunnelReport,
    status: 200,
  }),
  reportStepTimings: operation({
    method: 'POST',
    path: '/v1/sessions/current/step-timings',
    summary:
      "The app's time per screen of this enrolment session, once, also after the session completed or ended (kept with the session id and tier only)",
    auth: 'session',
    body: StepTimings,
    status: 204,
  }),
} as const satisfies Record<string, OperationSpec>;
