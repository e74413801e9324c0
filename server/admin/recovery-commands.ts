import type { HelpdeskRequestView } from '../../api/recovery.js';
import { AgentName } from '../../api/recovery.js';
import type { Services } from '../services.js';

/** The help desk's commands: recovery requests, recovery-code locks, suspended factors. */
export const RECOVERY_USAGE = `  npm run admin -- list-recovery-requests [--all]
  npm run admin -- approve-recovery --request <reference or id> --username <username> --agent <your name>
  npm run admin -- deny-recovery --request <reference or id> --username <username> --agent <your name> [--reason "..."]
  npm run admin -- reset-recovery-lock --username <username> --agent <your name>
  npm run admin -- reinstate-factor --id <credential id> --agent <your name>`;

export const RECOVERY_COMMANDS = ['list-recovery-requests', 'approve-recovery', 'deny-recovery', 'reset-recovery-lock', 'reinstate-factor'];

export interface RecoveryArgs {
  request?: string;
  username?: string;
  agent?: string;
  reason?: string;
  id?: string;
  all?: boolean;
}

/** The missing option for a command, named for the operator; null when complete. */
export function missingOption(command: string, v: RecoveryArgs): string | null {
  const needs: Record<string, (keyof RecoveryArgs)[]> = {
    'approve-recovery': ['request', 'username', 'agent'],
    'deny-recovery': ['request', 'username', 'agent'],
    'reset-recovery-lock': ['username', 'agent'],
    'reinstate-factor': ['id', 'agent'],
  };
  const missing = (needs[command] ?? []).find((k) => !v[k]);
  if (missing) return `--${missing} is required`;
  if (v.agent !== undefined && !AgentName.safeParse(v.agent).success) return '--agent: letters, digits and . _ @ : - only';
  return null;
}

function describe(r: HelpdeskRequestView): string {
  const who = r.displayName ? `${r.username} (${r.displayName}, ${r.tier})` : `${r.username} (NO SUCH USER: deny)`;
  const approvals = r.approvals.map((a) => a.agent).join(', ') || 'none';
  return `${r.reference}  ${r.id}  ${r.status}  ${who}  filed ${r.createdAt} from "${r.device.name}" (${r.device.platform} ${r.device.osVersion})  approvals ${r.approvals.length}/${r.approvalsRequired}: ${approvals}  until ${r.expiresAt}`;
}

export async function runRecoveryCommand(service: Services, command: string, v: RecoveryArgs, out: (line: string) => void): Promise<void> {
  const agent = v.agent ?? '';
  if (command === 'list-recovery-requests') {
    const requests = await service.helpdesk.list(v.all ?? false);
    if (requests.length === 0) out('No open recovery requests.');
    for (const r of requests) out(describe(r));
  } else if (command === 'approve-recovery') {
    const result = await service.helpdesk.approve(v.request ?? '', v.username ?? '', agent);
    if (result.code) {
      out(`Approved. One-time recovery code for ${v.username}: ${result.code}`);
      out(
        `Give it to the person out of band (not by email to the account being recovered). It works only on the device that asked, until ${result.codeExpiresAt}.`,
      );
    } else {
      out(
        `Approval ${result.request.approvals.length} of ${result.request.approvalsRequired} recorded: a second, different agent must approve too.`,
      );
    }
  } else if (command === 'deny-recovery') {
    const denied = await service.helpdesk.deny(v.request ?? '', v.username ?? '', agent, v.reason);
    out(`Denied request ${denied.reference} (${denied.id}).`);
  } else if (command === 'reset-recovery-lock') {
    await service.recoveryCodes.resetLock(v.username ?? '', agent);
    out(`Recovery codes of ${v.username} can be tried again.`);
  } else if (command === 'reinstate-factor') {
    await service.manage.reinstateFactor(v.id ?? '', agent);
    out(`Factor ${v.id} is active again.`);
  }
}
