import type { FastifyInstance } from 'fastify';

/** The help-desk console's built files (dist/console), under the relying party's origin so agents' keys work. */
export function registerConsoleApp(_app: FastifyInstance): void {}
