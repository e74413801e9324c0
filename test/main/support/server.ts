import type { ServerConfigInput } from '../../../server/config.js';
import type { Clock } from '../../../server/clock.js';
import type { RunningServer } from '../../../server/start.js';
import { startTestServer } from '../../support/service-harness.js';
import { DEMO_ENROLMENT_ORIGIN, DEMO_RP_ID } from '../../../api/defaults.js';

/**
 * The real verification server on an in-memory SQLite database, accepting the
 * demo enrolment origin the app serves its renderer under: what main talks to.
 */
export function startDemoServer(overrides: Partial<ServerConfigInput> = {}, clock?: Clock): Promise<RunningServer> {
  return startTestServer({ rpId: DEMO_RP_ID, origins: [DEMO_ENROLMENT_ORIGIN], codeMaxAttempts: 20, ...overrides }, clock ? { clock } : {});
}

let users = 0;

/** A fresh person with a fresh one-time code and the link HR would send. */
export async function newEnrolee(server: RunningServer): Promise<{ username: string; code: string; link: string }> {
  users += 1;
  const username = `new.hire.${users}`;
  await server.services.accounts.createUser({ username, displayName: `New Hire ${users}`, role: 'engineer' }, 'test');
  const issued = await server.services.accounts.issueCode(username, 'test-helpdesk');
  return { username, code: issued.code, link: issued.link };
}
