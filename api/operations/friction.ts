import type { OperationSpec } from '../operation-spec.js';

/** The HTTP operations of friction: the enrolment funnel and the app's step timings (merged into api/http.ts). */
export const frictionOperations = {} as const satisfies Record<string, OperationSpec>;
