import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** What the load benchmark reads from /proc about a server process while it works. Linux only. */

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** utime + stime in ms from a /proc stat line; the name in parentheses may itself hold spaces and parentheses. */
function cpuMsOf(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5), counted from the state field (3) here.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** The whole process: every thread, living or exited (proc(5), /proc/<pid>/stat). */
export function processCpuMs(pid: number): number {
  return cpuMsOf(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

export interface ThreadCpu {
  tid: number;
  name: string;
  ms: number;
}

/** Each living thread of the process, with its name (comm) and CPU so far. */
export function threadCpu(pid: number): ThreadCpu[] {
  const threads: ThreadCpu[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      threads.push({
        tid: Number(tid),
        name: readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim(),
        ms: cpuMsOf(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')),
      });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

/**
 * CPU time of one thread in ms, to the nanosecond: the first field of /proc/<pid>/task/<tid>/schedstat
 * (time on the CPU, user and system together), unlike stat's 10 ms ticks.
 */
export function threadRuntimeMs(pid: number, tid: number): number {
  return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
}

/** Each living thread's CPU time from schedstat, by thread id, with its name. */
export function threadRuntimes(pid: number): ThreadCpu[] {
  const threads: ThreadCpu[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      threads.push({
        tid: Number(tid),
        name: readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim(),
        ms: threadRuntimeMs(pid, Number(tid)),
      });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

export { TICKS_PER_SECOND };
