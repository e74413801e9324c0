import { parseArgs } from 'node:util';
import type { AdminCommands } from './command.js';

const EMPLOYMENT = ['employee', 'contractor'] as const;
type Employment = (typeof EMPLOYMENT)[number];

function isEmployment(value: string): value is Employment {
  return (EMPLOYMENT as readonly string[]).includes(value);
}

/** Movers: a person's role or employment changes, and their factors are judged against the new tier at once. */
export const moverCommands: AdminCommands = {
  'set-role': {
    usage:
      '  npm run admin -- set-role --username ada.new --role R [--employment contractor|employee]   (factors short of the new tier get the grace period)',
    async run(args, context) {
      const { values } = parseArgs({
        args,
        options: { username: { type: 'string' }, role: { type: 'string' }, employment: { type: 'string' } },
      });
      const { username, role, employment } = values;
      if (!username || (!role && !employment)) {
        context.out('Error: set-role needs --username and --role (or --employment)');
        return 2;
      }
      if (role !== undefined && (role.trim() === '' || role.length > 64)) {
        context.out('Error: --role must be 1 to 64 characters');
        return 2;
      }
      if (employment !== undefined && !isEmployment(employment)) {
        context.out('Error: --employment must be employee or contractor');
        return 2;
      }
      const moved = await context.services.movers.setRole(
        username,
        { ...(role ? { role } : {}), ...(employment ? { employmentType: employment } : {}) },
        context.actor,
        'cli',
      );
      if (!moved.changed) {
        context.out(`${username} already has role ${moved.role} (${moved.employmentType}): nothing changed`);
        return 0;
      }
      context.out(`${username}: role ${moved.role}, ${moved.employmentType}, tier ${moved.tier ?? 'none (service account)'}`);
      const { compliance } = moved;
      if (compliance) {
        context.out(
          `${compliance.nonCompliantFactorIds.length} factor(s) no longer meet the tier; they stop working at ${compliance.deadline}` +
            (compliance.actionRequired ? ` unless a ${compliance.acceptedFactors.join(' or ')} is added (the person was notified)` : ''),
        );
      } else {
        context.out('Every factor meets the new tier');
      }
      return 0;
    },
  },
};
