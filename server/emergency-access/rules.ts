import type { PolicyFile } from '../policy/schema.js';

/** The window offered first, and the longest one when the policy says nothing (issue 15: "default 1 h"). */
export const DEFAULT_EMERGENCY_MINUTES = 60;

/** An emergency that nobody decides within this long is not that emergency any more: the request lapses. */
export const PENDING_MINUTES = 120;

export function maxEmergencyMinutes(policy: PolicyFile): number {
  return policy.emergencyAccess?.maxMinutes ?? DEFAULT_EMERGENCY_MINUTES;
}

export function defaultEmergencyMinutes(policy: PolicyFile): number {
  return Math.min(DEFAULT_EMERGENCY_MINUTES, maxEmergencyMinutes(policy));
}
