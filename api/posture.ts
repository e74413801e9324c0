import { z } from 'zod';

/**
 * Device posture: what the app can learn about the machine it runs on, as a normal user, without
 * admin rights (electron/main/posture/). Every signal says where it came from:
 *
 * - `self-reported`: the app read it from the OS and says so. Nothing stops a person who controls the
 *   machine from changing the answer (a patched app, a shim in front of `fdesetup`, an edited
 *   request). It catches honest mistakes (FileVault never turned on), not someone set on lying.
 * - `verified`: reserved. A verified signal would need a statement the device cannot forge: an MDM's
 *   compliance answer fetched by the server from the MDM (Intune, Jamf), or a device-attestation
 *   statement (Apple Managed Device Attestation, a TPM-backed Windows health attestation) signed by a
 *   key the server trusts and bound to this device key. No reader produces one today, and the server
 *   treats a `verified` mark sent by the app as self-reported: the app cannot vouch for itself.
 */
export const SignalSource = z.enum(['self-reported', 'verified']);
export type SignalSource = z.infer<typeof SignalSource>;

/** The reader could not tell (no such command, no permission, a timeout, output it did not understand). Never read as "no". */
export const UNKNOWN = 'unknown';

/** Why a reader said what it said, for IT and the diagnostics export: never user data. */
const Detail = z.string().max(200).optional();

const YesNoSignal = z.object({ value: z.union([z.boolean(), z.literal(UNKNOWN)]), source: SignalSource, detail: Detail }).strict();
export type YesNoSignal = z.infer<typeof YesNoSignal>;

/** A dotted version as compared against a tier's minimum: "10.0.22631.4317", "14.6.1", "6.1.0". */
export const DottedVersion = z.string().regex(/^\d{1,6}(\.\d{1,6}){0,4}$/, 'a dotted version like 14.0 or 10.0.19045');

export const OsFamily = z.enum(['windows', 'macos', 'linux']);
export type OsFamily = z.infer<typeof OsFamily>;

/**
 * The OS and its patch level. Windows: 10.0.<build>.<UBR> (the UBR is the monthly cumulative update);
 * macOS: the product version (14.6.1); Linux: the kernel release's number (6.1.0), since distributions
 * number themselves differently; the distribution stays in `name`.
 */
const OsSignal = z
  .object({
    value: z.union([
      z.object({ family: OsFamily, version: DottedVersion, name: z.string().max(100).optional() }).strict(),
      z.literal(UNKNOWN),
    ]),
    source: SignalSource,
    detail: Detail,
  })
  .strict();
export type OsSignal = z.infer<typeof OsSignal>;

export const DevicePosture = z
  .object({
    /** The system volume is encrypted: BitLocker, FileVault, LUKS (dm-crypt) under the root file system. */
    diskEncryption: YesNoSignal,
    /** The screen locks by itself and asks for the password to unlock. */
    screenLock: YesNoSignal,
    /** Enrolled in an MDM (Windows: Entra ID join with an MDM URL; macOS: MDM enrolment). Linux has no standard: unknown. */
    managed: YesNoSignal,
    os: OsSignal,
  })
  .strict();
export type DevicePosture = z.infer<typeof DevicePosture>;

/** What a tier can require, in the order the app explains them. */
export const PostureRequirementName = z.enum(['diskEncryption', 'screenLock', 'managed', 'minOsVersion']);
export type PostureRequirementName = z.infer<typeof PostureRequirementName>;

/** One requirement the device does not meet, and what it reported (false, unknown, or its version). */
export const PostureShortfall = z
  .object({
    requirement: PostureRequirementName,
    reported: z.union([z.boolean(), z.literal(UNKNOWN), DottedVersion]),
    /** With minOsVersion: the lowest version the tier accepts on this OS. */
    minimum: DottedVersion.optional(),
  })
  .strict();
export type PostureShortfall = z.infer<typeof PostureShortfall>;

/**
 * The details of a `device_posture_insufficient` refusal: the platform the device reported (so the app
 * says how to fix it on that OS) and every requirement it does not meet. Nothing was spent.
 */
export const PostureRefusal = z
  .object({
    platform: z.enum(['darwin', 'win32', 'linux', 'other']),
    unmet: z.array(PostureShortfall).min(1).max(4),
  })
  .strict();
export type PostureRefusal = z.infer<typeof PostureRefusal>;
