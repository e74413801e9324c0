import { z } from 'zod';
import { FactorKind } from '../../api/enrolment.js';
import { DevicePostureRequirement } from '../posture/requirement.js';

const Aaguid = z
  .string()
  .regex(
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    'an AAGUID like 2fc0579f-8113-47ea-b116-bb5a8db9202a (lower case)',
  );

/** What one tier of users may bind, and how strictly it is checked. */
export const Tier = z
  .object({
    /** Shown in audit lines and to operators; the app explains requirements, not tier names. */
    description: z.string().default(''),
    factors: z.array(FactorKind).min(1),
    /** A backup-eligible (synced) passkey can leave the device; `refuse` keeps factors device-bound. */
    syncedPasskeys: z.enum(['allow', 'refuse']).default('allow'),
    userVerification: z.enum(['required', 'preferred']).default('preferred'),
    /** Attestation conveyance asked of the authenticator. */
    attestation: z.enum(['none', 'direct']).default('none'),
    /** Only authenticators whose attestation chains to a metadata root (or configured anchor) are accepted. */
    requireTrustedAttestation: z.boolean().default(false),
    aaguids: z.union([z.object({ allow: z.array(Aaguid).min(1) }).strict(), z.object({ deny: z.array(Aaguid) }).strict()]).optional(),
    maxFactors: z.number().int().min(1).max(50).default(10),
    /** Contractors' factors end with their contract; null means no end. */
    factorLifetimeDays: z.number().int().min(1).max(3650).nullable().default(null),
    sessionTtlSeconds: z.number().int().min(60).max(3600).optional(),
    /**
     * What a completed recovery does to the user's other factors: `revoke` them, or `suspend`
     * them (unusable until an agent reinstates or revokes them after review).
     */
    onRecovery: z.enum(['revoke', 'suspend']).default('revoke'),
    /**
     * What the device must report before a session opens (server/posture/): checked before any code
     * is spent. Self-reported by the app (api/posture.ts): it stops honest mistakes, not a liar.
     */
    devicePosture: DevicePostureRequirement.optional(),
    /** Days a mover's factors that no longer meet this tier keep working before they are suspended (server/movers/); 14 when unset. */
    moverGraceDays: z.number().int().min(0).max(365).optional(),
  })
  .strict()
  .refine((t) => !t.requireTrustedAttestation || t.attestation === 'direct', {
    error: 'requireTrustedAttestation needs attestation: direct',
    path: ['requireTrustedAttestation'],
  });
export type Tier = z.infer<typeof Tier>;

const Match = z
  .object({
    role: z.array(z.string().min(1)).min(1).optional(),
    employmentType: z
      .array(z.enum(['employee', 'contractor']))
      .min(1)
      .optional(),
  })
  .strict();

/**
 * The policy file: tiers, and rules that map users to them by what the server
 * holds about them. The first matching rule wins; the last rule must match everyone.
 * Service accounts never reach the rules: they get no interactive factor at all.
 */
export const PolicyFile = z
  .object({
    version: z.literal(1),
    tiers: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'tier names are lower-case words'), Tier),
    rules: z.array(z.object({ match: Match.optional(), tier: z.string() }).strict()).min(1),
    /** Break-glass keys must each be used (a test sign-in) at least this often; `check-break-glass` reports the rest. 90 when unset. */
    breakGlass: z
      .object({ testIntervalDays: z.number().int().min(1).max(3650) })
      .strict()
      .optional(),
    /**
     * Emergency access to service accounts (server/emergency-access/): the longest window an owner may
     * ask for, in minutes. 60 when unset; a request asks for 60 or this, whichever is less, unless it says.
     */
    emergencyAccess: z
      .object({ maxMinutes: z.number().int().min(5).max(1440) })
      .strict()
      .optional(),
    /** What an agent confirms before approving a recovery: each item's id must be ticked (server/recovery/helpdesk.ts). */
    helpdesk: z
      .object({
        checklist: z
          .array(z.object({ id: z.string().regex(/^[a-z][a-z0-9-]*$/), label: z.string().min(1).max(200) }).strict())
          .min(1)
          .max(20),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((policy, ctx) => {
    policy.rules.forEach((rule, i) => {
      if (!(rule.tier in policy.tiers)) {
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'tier'], message: `no tier named "${rule.tier}"` });
      }
    });
    const last = policy.rules.at(-1);
    if (last?.match && Object.keys(last.match).length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['rules', policy.rules.length - 1],
        message: 'the last rule must have no match, so every user gets a tier',
      });
    }
  });
export type PolicyFile = z.infer<typeof PolicyFile>;

export type ChecklistItem = NonNullable<PolicyFile['helpdesk']>['checklist'][number];

/** Asked when the policy names no identity checks of its own. */
export const DEFAULT_CHECKLIST: readonly ChecklistItem[] = [
  { id: 'callback', label: 'Called the person back on the number in the directory, not one they gave' },
  { id: 'identity', label: 'Saw their face on video or in person and matched it to the directory photo' },
];

/** What an agent confirms before approving a recovery. */
export function helpdeskChecklist(policy: PolicyFile): readonly ChecklistItem[] {
  return policy.helpdesk?.checklist ?? DEFAULT_CHECKLIST;
}
