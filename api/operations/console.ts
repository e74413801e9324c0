import type { OperationSpec } from '../operation-spec.js';

/** The HTTP operations of the help-desk console: people, factors and devices looked up and revoked (merged into api/http.ts). */
export const consoleOperations = {} as const satisfies Record<string, OperationSpec>;
