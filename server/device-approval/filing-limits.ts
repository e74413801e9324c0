import type { Clock } from '../clock.js';
import type { Executor } from '../context.js';
import { RateLimited } from '../errors.js';
import { throttleKey } from '../limits/attempt-throttle.js';
import { clientKey } from '../limits/client-key.js';
import { WindowCounter } from '../limits/window-counter.js';
import { APPROVAL_RULES } from './rules.js';

/**
 * Filing an approval request is open to anyone with a key, so it is counted twice before anything
 * is stored: per client address (IPv6: its /64), so one machine cannot file for many people, and
 * per username as typed, so many machines cannot flood one person's old computer with requests.
 * Both count whether or not the username exists, so the limit says nothing about it.
 */
export async function refuseOverFilingLimits(db: Executor, clock: Clock, username: string, client: string): Promise<void> {
  const counter = new WindowCounter(db, clock);
  const { windowSeconds } = APPROVAL_RULES;
  const byClient = await counter.take(throttleKey('device-approval-client', clientKey(client)), windowSeconds);
  if (byClient.count > APPROVAL_RULES.filedPerClient) {
    throw new RateLimited('too many approval requests from this address', byClient.endsInSeconds);
  }
  const byUsername = await counter.take(throttleKey('device-approval-username', username.toLowerCase()), windowSeconds);
  if (byUsername.count > APPROVAL_RULES.filedPerUsername) {
    throw new RateLimited('too many approval requests for this username', byUsername.endsInSeconds);
  }
}
