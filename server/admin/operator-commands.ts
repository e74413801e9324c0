import type { AdminCommands } from './command.js';

/** Operator accounts: roles and API tokens. */
export const operatorCommands: AdminCommands = {};
