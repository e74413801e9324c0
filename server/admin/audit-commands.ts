import type { AdminCommands } from './command.js';

/** The audit trail: verify its chain, export it. */
export const auditCommands: AdminCommands = {};
