import { z } from 'zod';
import { DottedVersion } from '../../api/posture.js';

/**
 * A tier's `devicePosture`: what the device must report before a session opens. A requirement left
 * out is not checked; `minOsVersion` names a minimum per OS family, and a family left out is not
 * held to one.
 *
 * Checked where an enrolment code opens its session. Recovery and sign-in sessions are not checked:
 * a recovery code is verified and spent in one step (server/recovery/recovery-codes.ts), and a
 * refusal there must not spend it; that needs the check split out of the redemption first.
 */
export const DevicePostureRequirement = z
  .object({
    diskEncryption: z.literal('required').optional(),
    screenLock: z.literal('required').optional(),
    managed: z.literal('required').optional(),
    /** Windows: 10.0.<build>[.<UBR>]; macOS: the product version; Linux: the kernel release (6.1). */
    minOsVersion: z
      .object({ windows: DottedVersion.optional(), macos: DottedVersion.optional(), linux: DottedVersion.optional() })
      .strict()
      .optional(),
  })
  .strict();
export type DevicePostureRequirement = z.infer<typeof DevicePostureRequirement>;
