import { parseArgs } from 'node:util';
import { FunnelQuery } from '../../api/friction.js';
import { reportText } from '../friction/report-text.js';
import type { AdminCommands } from './command.js';

/** Friction: the enrolment funnel as a report. */
export const reportCommands: AdminCommands = {
  report: {
    usage:
      '  npm run admin -- report [--since 30d] [--json]     the enrolment funnel and friction (JSON: the FunnelReport of GET /v1/admin/metrics/funnel)',
    async run(args, { services, out }) {
      const { values } = parseArgs({ args, options: { since: { type: 'string' }, json: { type: 'boolean' } } });
      const query = FunnelQuery.safeParse({ since: values.since });
      if (!query.success) {
        out(`--since: ${query.error.issues[0]?.message ?? 'invalid'}`);
        return 2;
      }
      const report = await services.friction.funnel(query.data);
      if (values.json) out(JSON.stringify(report, null, 2));
      else for (const line of reportText(report)) out(line);
      return 0;
    },
  },
};
