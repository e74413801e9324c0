import type { HelpdeskRequestView } from '../../api/recovery.js';
import { decidingAgent } from '../operators/deciding-agent.js';
import type { DecidingAgent } from '../recovery/helpdesk.js';
import type { Services } from '../services.js';

/** The help desk's commands: recovery requests, recovery-code locks, suspended factors. */
export const RECOVERY_USAGE = `  npm run admin -- list-recovery-requests [--all]
  npm run admin -- approve-recovery --request <reference or id> --username <username> --reason "..." --checklist <id,id>
  npm run admin -- deny-recovery --request <reference or id> --username <username> --reason "..."
  npm run admin -- reset-recovery-lock --username <username>
  npm run admin -- reinstate-factor --id <credential id>
  (these act as the account of the API token in FIRSTKEY_TOKEN; see issue-token)`;

export const RECOVERY_COMMANDS = ['list-recovery-requests', 'approve-recovery', 'deny-recovery', 'reset-recovery-lock', 'reinstate-factor'];

export interface RecoveryArgs {
  request?: string;
  username?: string;
  reason?: string;
  /** Comma-separated ids of the policy's identity checks the agent confirmed. */
  checklist?: string;
  id?: string;
  all?: boolean;
}

/** The missing option for a command, named for the operator; null when complete. */
export function missingOption(command: string, v: RecoveryArgs): string | null {
  const needs: Record<string, (keyof RecoveryArgs)[]> = {
    'approve-recovery': ['request', 'username', 'reason'],
    'deny-recovery': ['request', 'username', 'reason'],
    'reset-recovery-lock': ['username'],
    'reinstate-factor': ['id'],
  };
  const missing = (needs[command] ?? []).find((k) => !v[k]);
  if (missing) return `--${missing} is required`;
  return null;
}

function describe(r: HelpdeskRequestView): string {
  const who = r.displayName ? `${r.username} (${r.displayName}, ${r.tier})` : `${r.username} (NO SUCH USER: deny)`;
  const approvals = r.approvals.map((a) => a.agent).join(', ') || 'none';
  return `${r.reference}  ${r.id}  ${r.status}  ${who}  filed ${r.createdAt} from "${r.device.name}" (${r.device.platform} ${r.device.osVersion})  approvals ${r.approvals.length}/${r.approvalsRequired}: ${approvals}  until ${r.expiresAt}`;
}

/**
 * The person deciding at the command line: the account of the API token in FIRSTKEY_TOKEN, resolved
 * as the API resolves it (scopes within the account's roles now), never a name typed on the command line.
 */
async function tokenAgent(service: Services, token: string | undefined): Promise<{ agent: DecidingAgent; actor: string }> {
  const principal = token ? await service.apiTokens.principal(token) : null;
  if (!principal) throw new Error('set FIRSTKEY_TOKEN to your own API token (issue-token): decisions are made by an agent account');
  if (!principal.permissions.has('recovery:decide')) throw new Error(`${principal.actor} may not decide: the token needs recovery:decide`);
  return { agent: decidingAgent(principal), actor: principal.actor };
}

export async function runRecoveryCommand(
  service: Services,
  command: string,
  v: RecoveryArgs,
  out: (line: string) => void,
  token: string | undefined,
): Promise<void> {
  if (command === 'list-recovery-requests') {
    const requests = await service.helpdesk.list(v.all ?? false);
    if (requests.length === 0) out('No open recovery requests.');
    for (const r of requests) out(describe(r));
  } else if (command === 'approve-recovery') {
    const { agent } = await tokenAgent(service, token);
    const checklist = (v.checklist ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '');
    const result = await service.helpdesk.approve(v.request ?? '', v.username ?? '', agent, { reason: v.reason ?? '', checklist });
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
    const { agent } = await tokenAgent(service, token);
    const denied = await service.helpdesk.deny(v.request ?? '', v.username ?? '', agent, v.reason ?? '');
    out(`Denied request ${denied.reference} (${denied.id}).`);
  } else if (command === 'reset-recovery-lock') {
    await service.recoveryCodes.resetLock(v.username ?? '', (await tokenAgent(service, token)).actor);
    out(`Recovery codes of ${v.username} can be tried again.`);
  } else if (command === 'reinstate-factor') {
    await service.manage.reinstateFactor(v.id ?? '', (await tokenAgent(service, token)).actor);
    out(`Factor ${v.id} is active again.`);
  }
}
