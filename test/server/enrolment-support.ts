import { afterEach, beforeEach, expect } from 'vitest';
import type { FactorKind } from '../../api/enrolment.js';
import type { ServerConfigInput } from '../../server/config.js';
import type { Caller } from '../../server/context.js';
import { callerOf, newService, TEST_DEVICE, TEST_JKT, TEST_ORIGIN, type ServiceHarness } from '../support/service-harness.js';
import { SoftAuthenticator, type CreateInput } from '../support/soft-authenticator.js';

/** What the enrolment tests share: a service with one new hire, and the app's steps from code to registered factor. */

/**
 * The service of the test running now. A live binding: the helpers below, and the test files
 * importing it, see the service `useEnrolmentService` or `restartService` last put here.
 */
export let h: ServiceHarness;

/** A fresh service for each test, holding the new hire `ada.new`; closed after it. */
export function useEnrolmentService(): void {
  beforeEach(async () => {
    h = await newService();
    await h.services.accounts.createUser({ username: 'ada.new', displayName: 'Ada Lovelace', role: 'engineer' }, 'test');
  });
  afterEach(async () => {
    await h.close();
  });
}

/** Replaces the test's service with one under other settings (the new hire is the test's to create). */
export async function restartService(overrides: Partial<ServerConfigInput>): Promise<void> {
  await h.close();
  h = await newService(overrides);
}

export const refusal = (code: string): unknown => expect.objectContaining({ name: 'ApiFailure', code });

/** Redeems a code as the test device (whose key the HTTP layer would have checked). */
export const redeem = (code: string) => h.services.enrolment.openSession(code, TEST_JKT, TEST_DEVICE);

export async function openSession(username = 'ada.new') {
  const issued = await h.services.accounts.issueCode(username, 'test');
  const opened = await redeem(issued.code);
  return { issued, ...opened, caller: callerOf(opened.token) };
}

/** The app's side of one ceremony: options, the authenticator, and the registration call. */
export async function register(caller: Caller, factor: FactorKind, authenticator: SoftAuthenticator, input: Partial<CreateInput> = {}) {
  const options = await h.services.enrolment.registrationOptions(caller, factor);
  const response = authenticator.create(options, { origin: TEST_ORIGIN, ...input });
  return { options, response, credential: await h.services.enrolment.verifyRegistration(caller, factor, response) };
}

export const passkey = () => new SoftAuthenticator({ attachment: 'platform', userVerified: true, backupEligible: true, backedUp: true });
export const securityKey = () =>
  new SoftAuthenticator({
    attachment: 'cross-platform',
    attestation: 'packed',
    userVerified: false,
    aaguid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8',
  });

export async function credentialsOf(username: string) {
  return h.db
    .selectFrom('credentials')
    .innerJoin('users', 'users.id', 'credentials.user_id')
    .select(['credentials.id', 'credentials.status', 'credentials.factor', 'credentials.aaguid', 'credentials.attestation_format'])
    .where('users.username', '=', username)
    .execute();
}
