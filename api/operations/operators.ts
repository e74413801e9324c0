import type { OperationSpec } from '../operation-spec.js';

/** The HTTP operations of operator accounts: console sign-in, API tokens, roles (merged into api/http.ts). */
export const operatorOperations = {} as const satisfies Record<string, OperationSpec>;
