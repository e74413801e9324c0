import type { Clock } from '../../server/clock.js';

/**
 * The one clock tests move, always by seconds. Frozen by default (service and HTTP tests
 * decide every instant); `running` follows real time plus the offset, for code that also
 * waits on real timers (the renderer in a browser, main's HTTP timeouts).
 */
export class TestClock implements Clock {
  private readonly base: number;
  private offsetMs = 0;

  constructor(private readonly mode: 'frozen' | 'running' = 'frozen') {
    this.base = Date.now();
  }

  now(): Date {
    return new Date((this.mode === 'running' ? Date.now() : this.base) + this.offsetMs);
  }

  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}
