import type { AdminCommands } from './command.js';

/** Joiners and leavers without SCIM: CSV import. */
export const provisioningCommands: AdminCommands = {};
