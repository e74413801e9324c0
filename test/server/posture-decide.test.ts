import { describe, expect, it } from 'vitest';
import { postureShortfalls } from '../../server/posture/decide.js';
import { DevicePostureRequirement } from '../../server/posture/requirement.js';
import { compareVersions } from '../../server/posture/version.js';
import { PolicyFile } from '../../server/policy/schema.js';
import { reportedPosture } from '../fixtures/posture/postures.js';

/** Issue 15, device posture: the server's decision, and what a policy file may say about it. */

describe('the decision', () => {
  it('compares versions by number, segment by segment, a missing segment being 0', () => {
    expect(compareVersions('10.0.22631.4317', '10.0.19045')).toBe(1);
    expect(compareVersions('10.0.19044.5011', '10.0.19045')).toBe(-1);
    expect(compareVersions('14', '14.0.0')).toBe(0);
    expect(compareVersions('13.10', '13.9')).toBe(1);
    expect(compareVersions('6.1', '6.1.0')).toBe(0);
  });

  it('a version reported for another OS than the device says it is counts as unknown', () => {
    const macOnWindows = reportedPosture({ os: { family: 'macos', version: '15.0' } });
    expect(postureShortfalls({ minOsVersion: { windows: '10.0.19045' } }, 'win32', macOnWindows)).toEqual([
      { requirement: 'minOsVersion', reported: 'unknown', minimum: '10.0.19045' },
    ]);
  });

  it('an OS family without a minimum, or a platform outside the three, is not held to one', () => {
    const linux = reportedPosture({ os: { family: 'linux', version: '4.19.0' } });
    expect(postureShortfalls({ minOsVersion: { windows: '10.0.19045', macos: '14.0' } }, 'linux', linux)).toEqual([]);
    expect(postureShortfalls({ minOsVersion: { linux: '6.1' } }, 'other', linux)).toEqual([]);
  });

  it('MDM: only a reported yes meets it; Linux, which cannot tell, does not', () => {
    expect(postureShortfalls({ managed: 'required' }, 'darwin', reportedPosture({ managed: true }))).toEqual([]);
    expect(postureShortfalls({ managed: 'required' }, 'linux', reportedPosture())).toEqual([
      { requirement: 'managed', reported: 'unknown' },
    ]);
  });

  it('nothing required, nothing unmet, whatever the device says', () => {
    expect(postureShortfalls({}, 'win32', undefined)).toEqual([]);
  });
});

describe('a tier’s devicePosture in the policy file', () => {
  const tierWith = (devicePosture: unknown) =>
    PolicyFile.safeParse({ version: 1, tiers: { standard: { factors: ['passkey'], devicePosture } }, rules: [{ tier: 'standard' }] });

  it('takes the requirements and minimum versions per OS family', () => {
    const parsed = DevicePostureRequirement.parse({
      diskEncryption: 'required',
      screenLock: 'required',
      managed: 'required',
      minOsVersion: { windows: '10.0.19045', macos: '14.0', linux: '6.1' },
    });
    expect(parsed.minOsVersion?.macos).toBe('14.0');
    expect(tierWith({ diskEncryption: 'required' }).success).toBe(true);
  });

  it.each([
    ['a yes/no requirement that is not "required"', { diskEncryption: true }],
    ['a version that is not dotted numbers', { minOsVersion: { macos: 'Sonoma' } }],
    ['an OS family it does not know', { minOsVersion: { android: '14' } }],
    ['a requirement it does not know', { firewall: 'required' }],
  ])('refuses %s, naming the field', (_label, devicePosture) => {
    const result = tierWith(devicePosture);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path.slice(0, 3)).toEqual(['tiers', 'standard', 'devicePosture']);
  });
});
