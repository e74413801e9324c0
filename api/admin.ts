import { z } from 'zod';

/** `break-glass`: an emergency account with its own built-in tier (server/break-glass/). */
export const AccountKind = z.enum(['human', 'service', 'break-glass']);
export type AccountKind = z.infer<typeof AccountKind>;

export const Username = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and . _ @ - only');

export const CreateUserRequest = z.object({
  username: Username,
  displayName: z.string().trim().min(1).max(200),
  email: z.email().optional(),
  role: z.string().trim().min(1).max(64).default('employee'),
  accountKind: AccountKind.default('human'),
  employmentType: z.enum(['employee', 'contractor']).default('employee'),
  /** The person's manager as the organisation names them (a username or an id). */
  manager: z.string().trim().min(1).max(200).optional(),
  /** A contractor's last day (UTC): from the next day on they are refused everywhere and then deactivated. */
  endDate: z.iso.date().optional(),
});
export type CreateUserRequest = z.input<typeof CreateUserRequest>;

export const UserView = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: z.string(),
  accountKind: AccountKind,
  employmentType: z.enum(['employee', 'contractor']),
});
export type UserView = z.infer<typeof UserView>;

export const IssueCodeRequest = z.object({
  username: Username,
  /** Lifetime in seconds; the server caps it at its configured maximum. */
  ttlSeconds: z.number().int().positive().optional(),
});
export type IssueCodeRequest = z.infer<typeof IssueCodeRequest>;

export const IssueCodeResponse = z.object({
  /** Shown once: only its hash is stored. */
  code: z.string(),
  link: z.string(),
  expiresAt: z.iso.datetime(),
});
export type IssueCodeResponse = z.infer<typeof IssueCodeResponse>;
