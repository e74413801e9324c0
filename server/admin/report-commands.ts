import type { AdminCommands } from './command.js';

/** Friction: the enrolment funnel as a report. */
export const reportCommands: AdminCommands = {};
