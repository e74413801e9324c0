import type { Clock } from '../clock.js';
import type { Executor } from '../context.js';
import { RateLimited } from '../errors.js';
import { throttleKey } from '../limits/attempt-throttle.js';
import { clientKey } from '../limits/client-key.js';
import { WindowCounter } from '../limits/window-counter.js';
import { APPROVAL_RULES } from './rules.js';

/**
 * Filing an approval request is open to anyone with a key, so it is counted before anything is
 * stored: per client address (IPv6: its /64), so one machine cannot file for many people; per
 * username from that address, so a stranger who files for someone holds back only their own
 * address, not the owner's new computer; and per username over all addresses, high, so only a
 * flood from many addresses meets it. All count whether or not the username exists.
 */
export async function refuseOverFilingLimits(db: Executor, clock: Clock, username: string, client: string): Promise<void> {
  const counter = new WindowCounter(db, clock);
  const { windowSeconds } = APPROVAL_RULES;
  const byClient = await counter.take(throttleKey('device-approval-client', clientKey(client)), windowSeconds);
  if (byClient.count > APPROVAL_RULES.filedPerClient) {
    throw new RateLimited('too many approval requests from this address', byClient.endsInSeconds);
  }
  const name = username.toLowerCase();
  const fromClient = await counter.take(throttleKey('device-approval-username-client', name, clientKey(client)), windowSeconds);
  if (fromClient.count > APPROVAL_RULES.filedPerUsernameFromClient) {
    throw new RateLimited('too many approval requests for this username from this address', fromClient.endsInSeconds);
  }
  const byUsername = await counter.take(throttleKey('device-approval-username', name), windowSeconds);
  if (byUsername.count > APPROVAL_RULES.filedPerUsername) {
    throw new RateLimited('too many approval requests for this username', byUsername.endsInSeconds);
  }
}
