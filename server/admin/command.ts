import type { ServerConfig } from '../config.js';
import type { Db } from '../db/open.js';
import type { Services } from '../services.js';

/** What an admin command runs with: the opened, migrated database and the services over it. */
export interface CommandContext {
  services: Services;
  db: Db;
  config: ServerConfig;
  env: NodeJS.ProcessEnv;
  /** The audit trail's actor for what the operator at this terminal does. */
  actor: string;
  out: (line: string) => void;
}

/** One `npm run admin -- <name>` command: it parses its own options and answers its exit code. */
export interface AdminCommand {
  /** The usage lines the help shows. */
  usage: string;
  run(args: string[], context: CommandContext): Promise<number>;
}

export type AdminCommands = Readonly<Record<string, AdminCommand>>;
