import { z } from 'zod';
import { Username } from './admin.js';
import { DeviceSignals } from './enrolment.js';

/**
 * Device-to-device approval: a person whose only factor is a passkey on their old computer gets a
 * new computer going without the help desk. The new computer files a request bound to its device
 * key and shows a short code; on the old computer the person signs in with that passkey (a fresh
 * `manage` session), types the code, sees which computer asked and approves it; the new computer
 * then collects a `replace` session, with its own device key only.
 */

/**
 * Eight Crockford base32 characters (40 bits: SP 800-63B rev 4 section 4.1.2.2 asks that much of a
 * binding code used with an identifier), shown as `K7MQ-4QX9`. Typed in any case, with or without
 * spaces and dashes; O, I and L are read as the digits they look like.
 */
export const APPROVAL_CODE_LENGTH = 8;

export const ApprovalCode = z
  .string()
  .transform((typed) => typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1'))
  .pipe(z.string().regex(new RegExp(`^[0-9A-HJKMNP-TV-Z]{${APPROVAL_CODE_LENGTH}}$`), `${APPROVAL_CODE_LENGTH} letters and digits`));

/** What the renderer of the new computer sends: main adds the device's signals. */
export const FileApprovalInput = z.strictObject({ username: Username });
export type FileApprovalInput = z.infer<typeof FileApprovalInput>;

export const FileApprovalRequest = FileApprovalInput.extend({ device: DeviceSignals });
export type FileApprovalRequest = z.infer<typeof FileApprovalRequest>;

/**
 * `pending`: waiting for the old computer. `approved`: the new computer may collect its session.
 * `denied`: the person said it was not their computer. `expired`: nobody answered in time, or the
 * approval was not collected in time. `collected`: the session was opened. `withdrawn`: the same
 * computer asked again for the same username, which replaced this request.
 */
export const ApprovalStatus = z.enum(['pending', 'approved', 'denied', 'expired', 'collected', 'withdrawn']);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

/** The new computer's view of its request; the same whether or not the username exists. */
export const ApprovalRequestView = z.object({
  id: z.string(),
  status: ApprovalStatus,
  createdAt: z.iso.datetime(),
  /** When a pending request lapses, or by when an approved one must be collected. */
  expiresAt: z.iso.datetime(),
  serverTime: z.iso.datetime(),
});
export type ApprovalRequestView = z.infer<typeof ApprovalRequestView>;

/** The answer to filing: the code, shown once, only to the computer that asked, as two groups of four (`K7MQ-4QX9`). */
export const FiledApproval = ApprovalRequestView.extend({ code: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/) });
export type FiledApproval = z.infer<typeof FiledApproval>;

/** The new computer collects its session with its own signals (main adds them). */
export const CollectApprovalRequest = z.object({ device: DeviceSignals });
export type CollectApprovalRequest = z.infer<typeof CollectApprovalRequest>;

/** The old computer types the code it reads on the new one. */
export const FindApprovalRequest = z.object({ code: ApprovalCode });
export type FindApprovalRequest = z.input<typeof FindApprovalRequest>;

/** What the old computer shows before asking "Is this your new computer?". */
export const ApprovalCandidate = z.object({
  id: z.string(),
  device: z.object({
    name: z.string(),
    platform: z.enum(['darwin', 'win32', 'linux', 'other']),
    osVersion: z.string(),
  }),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
});
export type ApprovalCandidate = z.infer<typeof ApprovalCandidate>;

export const ApprovalDecision = z.enum(['approve', 'deny']);
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

export const DecideApprovalRequest = z.object({ decision: ApprovalDecision });
export type DecideApprovalRequest = z.infer<typeof DecideApprovalRequest>;

export const ApprovalOutcome = z.object({ id: z.string(), status: z.enum(['approved', 'denied']) });
export type ApprovalOutcome = z.infer<typeof ApprovalOutcome>;
