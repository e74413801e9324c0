import { parseArgs } from 'node:util';
import { describeFinding } from '../break-glass/check.js';
import type { AdminCommands } from './command.js';

/** Break-glass accounts: known to work before the emergency. */
export const breakGlassCommands: AdminCommands = {
  'check-break-glass': {
    usage:
      '  npm run admin -- check-break-glass   (exit 1 with each break-glass account short of two working keys or with a key not used within breakGlass.testIntervalDays)',
    async run(args, context) {
      parseArgs({ args, options: {} });
      const { findings, testIntervalDays: days } = await context.services.breakGlass.check();
      for (const finding of findings) context.out(describeFinding(finding, days));
      if (findings.length > 0) return 1;
      context.out(`Every break-glass account has at least two working keys, each used within ${days} days`);
      return 0;
    },
  },
};
