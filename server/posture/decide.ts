import type { DeviceSignals } from '../../api/enrolment.js';
import { UNKNOWN, type DevicePosture, type OsFamily, type PostureShortfall } from '../../api/posture.js';
import type { DevicePostureRequirement } from './requirement.js';
import { compareVersions } from './version.js';

const FAMILY: Readonly<Record<DeviceSignals['platform'], OsFamily | null>> = {
  win32: 'windows',
  darwin: 'macos',
  linux: 'linux',
  other: null,
};

const YES_NO = ['diskEncryption', 'screenLock', 'managed'] as const;

/**
 * Every requirement of the tier the reported posture does not meet, in a fixed order. Only a
 * reported `true` meets a yes/no requirement: `unknown` (the app could not tell) and a missing
 * posture (an app older than posture) do not, so a tier that requires something never lets a
 * device through on silence.
 */
export function postureShortfalls(
  required: Omit<DevicePostureRequirement, 'checkAt'>,
  platform: DeviceSignals['platform'],
  posture: DevicePosture | undefined,
): PostureShortfall[] {
  const unmet: PostureShortfall[] = [];
  for (const requirement of YES_NO) {
    if (required[requirement] !== 'required') continue;
    const reported = posture?.[requirement].value ?? UNKNOWN;
    if (reported !== true) unmet.push({ requirement, reported });
  }
  const family = FAMILY[platform];
  const minimum = family ? required.minOsVersion?.[family] : undefined;
  if (family && minimum !== undefined) {
    const os = posture?.os.value;
    // A version reported for another family than the platform is not this OS's version.
    if (os === undefined || os === UNKNOWN || os.family !== family) unmet.push({ requirement: 'minOsVersion', reported: UNKNOWN, minimum });
    else if (compareVersions(os.version, minimum) < 0) unmet.push({ requirement: 'minOsVersion', reported: os.version, minimum });
  }
  return unmet;
}
