import { z } from 'zod';
import { operation, type OperationSpec } from '../operation-spec.js';
import { PersonParams } from '../people.js';
import { MoverCompliance } from '../security.js';

/** A mover: a new role, employment type, or both; what is left out stays. */
export const SetRoleBody = z
  .object({
    role: z.string().trim().min(1).max(64).optional(),
    employmentType: z.enum(['employee', 'contractor']).optional(),
  })
  .strict()
  .refine((b) => b.role !== undefined || b.employmentType !== undefined, { error: 'give a role, an employmentType or both' });
export type SetRoleBody = z.infer<typeof SetRoleBody>;

/** The person after the move: their tier, and what falls short of it (null: every factor meets it). */
export const MoveView = z.object({
  username: z.string(),
  role: z.string(),
  employmentType: z.enum(['employee', 'contractor']),
  /** Null for a service account: it has no tier and no interactive factor. */
  tier: z.string().nullable(),
  /** False when the role and employment were already these. */
  changed: z.boolean(),
  compliance: MoverCompliance.nullable(),
});
export type MoveView = z.infer<typeof MoveView>;

/** Movers' HTTP operations (merged into api/http.ts): the console's and automation's way to change a role. */
export const moverOperations = {
  setPersonRole: operation({
    method: 'POST',
    path: '/v1/admin/people/{username}/role',
    summary:
      "Change a person's role or employment type; their factors are judged against the new tier at once (short of it: non-compliant for the tier's grace period, the person notified)",
    auth: 'admin',
    permission: 'users:write',
    params: PersonParams,
    body: SetRoleBody,
    response: MoveView,
    status: 200,
  }),
} as const satisfies Record<string, OperationSpec>;
