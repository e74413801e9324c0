/**
 * Compares dotted versions numerically, segment by segment; a missing segment counts as 0, so
 * "14" equals "14.0.0" and "10.0.22631.4317" is later than "10.0.19045". Both are DottedVersion.
 */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i += 1) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}
