/**
 * Several keys plugged in: the person picks one by touching it. Every key waits for a touch at
 * once; the first touched wins, the others get CTAPHID_CANCEL and are closed.
 */
import { Ctap2Error, NoSecurityKeyError, STATUS } from './errors.js';
import { SecurityKey, type SecurityKeyOptions } from './security-key.js';
import type { HidBus, HidDeviceInfo } from './transport.js';
import type { Control, KeyStatus } from './types.js';

/** The first of several keys that is touched; the others are cancelled and closed. */
export async function selectKeyByTouch(
  bus: HidBus,
  devices: HidDeviceInfo[],
  control: Control = {},
  options: SecurityKeyOptions = {},
): Promise<SecurityKey> {
  const opened = await Promise.allSettled(devices.map((device) => SecurityKey.open(bus, device, options)));
  const keys = opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  if (keys.length === 0) {
    const failure = opened.find((result) => result.status === 'rejected');
    throw failure === undefined ? new NoSecurityKeyError() : failure.reason;
  }

  const entries = keys.map((key) => ({ key, stop: new AbortController() }));
  const stopAll = (): void => {
    for (const { stop } of entries) stop.abort();
  };
  control.signal?.addEventListener('abort', stopAll, { once: true });
  if (control.signal?.aborted === true) stopAll();

  // Several keys blink at once: the person hears "touch your key" once, not once per key.
  let lastStatus: KeyStatus | null = null;
  const onStatus = (status: KeyStatus): void => {
    if (status === lastStatus) return;
    lastStatus = status;
    control.onStatus?.(status);
  };

  const waiting = entries.map((entry) => ({
    ...entry,
    touched: entry.key.waitForTouch({ signal: entry.stop.signal, onStatus }).then(() => entry.key),
  }));
  try {
    const winner = await Promise.any(waiting.map(({ touched }) => touched));
    for (const { key, stop, touched } of waiting) {
      if (key === winner) continue;
      stop.abort();
      // The loser's cancel is confirmed (or times out) before its device is released.
      void touched.catch(() => undefined).finally(() => key.close().catch(() => undefined));
    }
    return winner;
  } catch (error) {
    await Promise.allSettled(keys.map((key) => key.close()));
    if (control.signal?.aborted === true) throw new Ctap2Error(STATUS.KEEPALIVE_CANCEL, 'cancelled');
    const reasons: unknown[] = error instanceof AggregateError ? error.errors : [error];
    throw reasons.find((reason) => !(reason instanceof Ctap2Error && reason.status === STATUS.KEEPALIVE_CANCEL)) ?? reasons[0];
  } finally {
    control.signal?.removeEventListener('abort', stopAll);
  }
}
