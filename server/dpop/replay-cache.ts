/**
 * Remembers proof identifiers (`jti`) until the proofs would be too old to
 * accept anyway, so a captured proof cannot be sent twice. In memory: the
 * reference server is one process; a cluster would share this through its database.
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();

  /** Returns false if the key was already seen and has not yet expired. */
  remember(key: string, expiresAtMs: number, nowMs: number): boolean {
    this.sweep(nowMs);
    const until = this.seen.get(key);
    if (until !== undefined && until > nowMs) return false;
    this.seen.set(key, expiresAtMs);
    return true;
  }

  private sweep(nowMs: number): void {
    if (this.seen.size < 1024) return;
    for (const [key, until] of this.seen) if (until <= nowMs) this.seen.delete(key);
  }
}
