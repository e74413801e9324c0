import { z } from 'zod';
import { DottedVersion } from '../../api/posture.js';

/**
 * Where a tier's posture is checked. `enrol`: an enrolment code opening its session, before the code
 * is spent. `sign-in`: an existing factor opening a session (a new computer, managing one's keys),
 * after the assertion verified: only the one-time challenge is used, and the person signs in again.
 */
export const PostureCheckpoint = z.enum(['enrol', 'sign-in']);
export type PostureCheckpoint = z.infer<typeof PostureCheckpoint>;

/**
 * A tier's `devicePosture`: what the device must report before a session opens. A requirement left
 * out is not checked; `minOsVersion` names a minimum per OS family, and a family left out is not
 * held to one.
 *
 * Recovery sessions are never checked: a recovery or help-desk code is verified and spent in one
 * step (server/recovery/), and a refusal there must not spend it; that needs the check split out of
 * the redemption first. Someone with no factor left is let back in on any computer.
 */
export const DevicePostureRequirement = z
  .object({
    diskEncryption: z.literal('required').optional(),
    screenLock: z.literal('required').optional(),
    managed: z.literal('required').optional(),
    /** Windows: 10.0.<build>[.<UBR>]; macOS: the product version; Linux: the kernel release (6.1). */
    /** Where it is checked; by default where enrolment codes are used. */
    checkAt: z.array(PostureCheckpoint).min(1).default(['enrol']),
    minOsVersion: z
      .object({ windows: DottedVersion.optional(), macos: DottedVersion.optional(), linux: DottedVersion.optional() })
      .strict()
      .optional(),
  })
  .strict();
export type DevicePostureRequirement = z.infer<typeof DevicePostureRequirement>;
