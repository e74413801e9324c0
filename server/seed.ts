import type { IssueCodeResponse } from '../api/admin.js';
import type { AccountService } from './accounts/service.js';

/** Demo people for a first run: a new hire, and a service account to show the refusal. */
export const DEMO_USERS = [
  { username: 'ada.new', displayName: 'Ada Lovelace', email: 'ada.new@corp.example', role: 'engineer' },
  { username: 'build-bot', displayName: 'CI build bot', role: 'automation', accountKind: 'service' as const },
];

/** Creates the demo users if absent and issues a fresh code for the new hire. */
export async function seedDemo(accounts: AccountService): Promise<IssueCodeResponse> {
  for (const user of DEMO_USERS) {
    await accounts.createUser(user, 'demo-seed').catch((error: unknown) => {
      if (!(error instanceof Error && /already exists/.test(error.message))) throw error;
    });
  }
  return accounts.issueCode('ada.new', 'demo-seed');
}
