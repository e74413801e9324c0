import type { ConfirmationView, OperatorCheck } from '../../api/kiosk.js';
import { Api, Device, expectAnswer, expectStatus, securityKey, type Reply } from '../support/api-harness.js';
import { TEST_ORIGIN } from '../support/service-harness.js';
import type { SoftAuthenticator } from '../support/soft-authenticator.js';

/** A station as a kiosk setup leaves it: an admin-issued station code redeemed with the station's own device key. */
export async function registeredStation(api: Api, name = 'Lobby 1'): Promise<{ station: Device; stationId: string }> {
  const issued = expectAnswer('issueStationCode', await api.admin('issueStationCode', { body: { name } }));
  // The app reports itself as an ordinary computer: only the registration makes it a kiosk.
  const station = await api.device({ name: `${name} station`, kind: 'personal' });
  const status = expectAnswer('registerStation', await station.call('registerStation', { body: { code: issued.code } }));
  return { station, stationId: status.id };
}

/**
 * An operator: a person in a kiosk operator HR role (`admin` unless the test configures others) with an active
 * security key of their own, who holds the console role `consoleRole` (help desk unless told: null for none).
 */
export async function operator(
  api: Api,
  role = 'admin',
  consoleRole: 'helpdesk' | 'admin' | 'auditor' | null = 'helpdesk',
): Promise<{ username: string; key: SoftAuthenticator }> {
  const key = securityKey();
  const { username } = await api.enrolled(await api.device({ name: 'operator laptop' }), key, 'security-key', { role });
  if (consoleRole) expectStatus(await api.admin('grantOperatorRole', { params: { username }, body: { role: consoleRole } }), 200);
  return { username, key };
}

/** The operator's step at the station: options for their username, their key's assertion, the confirmation. */
export async function confirm(
  station: Device,
  who: { username: string; key: SoftAuthenticator },
  newHire: string,
  checks: OperatorCheck[] = ['photo_id', 'name_matches'],
): Promise<Reply> {
  const asked = expectAnswer('operatorOptions', await station.call('operatorOptions', { body: { operator: who.username } }));
  const response = who.key.get(asked.options, { origin: TEST_ORIGIN });
  return station.call('confirmNewHire', { body: { ceremonyId: asked.ceremonyId, response, newHire, checks } });
}

/** The confirmation the operator's step recorded (its id is what the station names when it opens the session). */
export async function confirmed(
  station: Device,
  who: { username: string; key: SoftAuthenticator },
  newHire: string,
  checks?: OperatorCheck[],
): Promise<ConfirmationView> {
  return expectAnswer('confirmNewHire', await confirm(station, who, newHire, checks));
}

/** The new hire's code typed in at the station, naming the operator's confirmation as the app does. */
export function openAt(station: Device, code: string, confirmationId?: string): Promise<Reply> {
  return station.call('openSession', { body: { code, device: station.signals, ...(confirmationId ? { confirmationId } : {}) } });
}

/** A new hire with a fresh enrolment code, not enrolled yet. */
export async function newHire(api: Api): Promise<{ username: string; code: string }> {
  const username = await api.createUser();
  return { username, code: await api.enrolmentCode(username) };
}
