import type { ImportReport } from './csv-import.js';

/** Where progress goes: stderr, or anything with its shape. */
export interface ProgressStream {
  isTTY?: boolean;
  write(chunk: string): unknown;
}

const WIDTH = 30;

/**
 * On a terminal, one bar redrawn in place (`\r`), ending with a newline at the last row; in a log or a pipe,
 * a plain line at every 5 % and at the end, so the log is not flooded with one line per row.
 */
export function progressWriter(stream: ProgressStream): (done: number, total: number, report: ImportReport) => void {
  let lastStep = -1;
  return (done, total, report) => {
    const counts = `created ${report.created}, updated ${report.updated}, unchanged ${report.unchanged}, refused ${report.refused.length}`;
    if (stream.isTTY) {
      const filled = total === 0 ? WIDTH : Math.round((done / total) * WIDTH);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total}  ${counts}${done === total ? '\n' : ''}`);
      return;
    }
    const step = total === 0 ? 20 : Math.floor((done / total) * 20);
    if (step !== lastStep || done === total) {
      lastStep = step;
      stream.write(`progress: ${done}/${total} rows (${counts})\n`);
    }
  };
}
