import { describe, expect, it } from 'vitest';
import type { ImportReport } from '../../server/provisioning/csv-import.js';
import { progressWriter } from '../../server/provisioning/progress.js';

const report = (created: number): ImportReport => ({ rows: 100, created, updated: 0, unchanged: 0, refused: [], invited: created });

function run(isTTY: boolean, total: number): string {
  let written = '';
  const progress = progressWriter({ isTTY, write: (chunk: string) => (written += chunk) });
  for (let done = 1; done <= total; done++) progress(done, total, report(done));
  return written;
}

describe('the joiners import progress on stderr', () => {
  it('on a terminal: one bar redrawn in place, full and ended by a newline at the last row', () => {
    const out = run(true, 100);
    const frames = out.split('\r').filter(Boolean);
    expect(frames).toHaveLength(100);
    expect(frames[49]).toMatch(/^\[#{15}\.{15}\] 50\/100 {2}created 50/);
    expect(frames[99]).toBe(`[${'#'.repeat(30)}] 100/100  created 100, updated 0, unchanged 0, refused 0\n`);
    expect(out.slice(0, -1)).not.toContain('\n');
  });

  it('in a log or a pipe: plain lines, one per 5 % and the last, no carriage returns', () => {
    const out = run(false, 1000);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[0]).toBe('progress: 1/1000 rows (created 1, updated 0, unchanged 0, refused 0)');
    expect(lines.at(-1)).toBe('progress: 1000/1000 rows (created 1000, updated 0, unchanged 0, refused 0)');
    expect(out).not.toContain('\r');
  });
});
