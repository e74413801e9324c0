import { appendFile } from 'node:fs/promises';
import type { Clock } from '../clock.js';
import type { ServerConfig } from '../config.js';
import type { Db } from '../db/open.js';
import { drainNotifications, type Notification, type NotificationSink } from './outbox.js';

/** Appends each notification as one JSON line: what a mail relay or log shipper can tail. */
export function fileSink(path: string): NotificationSink {
  return async (n) => {
    await appendFile(path, `${JSON.stringify(n)}\n`, { encoding: 'utf8', mode: 0o600 });
  };
}

/** One readable line per notification. */
export function consoleSink(
  write: (line: string) => void = (line) => {
    console.log(line);
  },
): NotificationSink {
  return (n: Notification) => {
    const to = n.user.email ?? n.user.username;
    write(`[notification] ${n.createdAt} to ${to} (${n.kind}): ${n.message}${n.device ? ` Device: ${n.device.name}.` : ''}`);
    return Promise.resolve();
  };
}

/** The file sink when `notificationFile` is configured, else the console. */
export function defaultSink(config: Pick<ServerConfig, 'notificationFile'>): NotificationSink {
  return config.notificationFile ? fileSink(config.notificationFile) : consoleSink();
}

export interface NotificationPump {
  /** Drains once now (also what the timer does). */
  drainNow(): Promise<number>;
  /** Stops the timer and waits for a drain in progress. */
  stop(): Promise<void>;
}

/**
 * Drains the outbox every `intervalMs` (default 5 s) into `sink` (default: defaultSink(config)).
 * A failing sink is reported through `onError` and retried at the next tick.
 */
export function startNotificationPump(
  db: Db,
  config: Pick<ServerConfig, 'notificationFile'>,
  opts: { intervalMs?: number; sink?: NotificationSink; clock?: Clock; onError?: (error: unknown) => void } = {},
): NotificationPump {
  const sink = opts.sink ?? defaultSink(config);
  let running: Promise<number> | null = null;
  const drainNow = () => {
    running ??= drainNotifications(db, sink, opts.clock ? { clock: opts.clock } : {}).finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => {
    drainNow().catch((error: unknown) => {
      (
        opts.onError ??
        ((e) => {
          console.error('notification drain failed:', e);
        })
      )(error);
    });
  }, opts.intervalMs ?? 5000);
  timer.unref();
  return {
    drainNow,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => 0);
    },
  };
}
