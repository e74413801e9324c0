import { appendFile } from 'node:fs/promises';
import type { ServerConfig } from '../config.js';
import type { Checkpoint } from '../audit/checkpoints.js';

/**
 * What the audit trail sends to the notification sink beside the people's notifications. They
 * concern the deployment, not a person, so they bypass the per-user outbox (whose rows live in
 * the very database they vouch for) and go straight to the sink's file or the console.
 */
export type AuditRecord =
  | { kind: 'audit.checkpoint'; createdAt: string; checkpoint: Checkpoint }
  | { kind: 'audit.trigger_restored'; createdAt: string; message: string; details: { table: string; triggers: string[] } }
  | { kind: 'audit.chain_broken'; createdAt: string; message: string; details: { seq: number; fault: string } };

export type AuditRecordSink = (record: AuditRecord) => Promise<void>;

/** One JSON line per record in FIRSTKEY_NOTIFICATION_FILE (where a log shipper takes it off the machine), else the console. */
export function auditRecordSink(
  config: Pick<ServerConfig, 'notificationFile'>,
  write: (line: string) => void = (line) => {
    console.log(line);
  },
): AuditRecordSink {
  const file = config.notificationFile;
  if (file) {
    return async (record) => {
      await appendFile(file, `${JSON.stringify(record)}\n`, { encoding: 'utf8', mode: 0o600 });
    };
  }
  return (record) => {
    write(`[audit] ${record.createdAt} ${record.kind}: ${JSON.stringify('checkpoint' in record ? record.checkpoint : record.details)}`);
    return Promise.resolve();
  };
}
