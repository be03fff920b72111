// Slows down password guessing: each failed `auth` from one address waits longer before its
// `-ERR invalid` (0, then base, 2×base, 4×base … up to a cap). Memory is bounded: at most
// maxEntries addresses are remembered (oldest forgotten first), and an address quiet for
// forgetAfterMs starts again from zero. A successful auth clears the address.

export interface AuthThrottleOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  maxEntries?: number;
  forgetAfterMs?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  lastAt: number;
}

export class AuthThrottle {
  readonly #base: number;
  readonly #max: number;
  readonly #maxEntries: number;
  readonly #forgetAfter: number;
  readonly #now: () => number;
  #entries = new Map<string, Entry>();

  constructor(opts: AuthThrottleOptions = {}) {
    this.#base = opts.baseDelayMs ?? 250;
    this.#max = opts.maxDelayMs ?? 8000;
    this.#maxEntries = opts.maxEntries ?? 1024;
    this.#forgetAfter = opts.forgetAfterMs ?? 15 * 60_000;
    this.#now = opts.now ?? Date.now;
  }

  /** Count a failure from ip and return how long to wait before answering it. */
  recordFailure(ip: string): number {
    const now = this.#now();
    let entry = this.#entries.get(ip);
    if (entry && now - entry.lastAt > this.#forgetAfter) entry = undefined;
    const failures = (entry?.failures ?? 0) + 1;
    // Re-insert so the Map's order is least-recently-failed first.
    this.#entries.delete(ip);
    this.#entries.set(ip, { failures, lastAt: now });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    if (failures <= 1) return 0;
    return Math.min(this.#max, this.#base * 2 ** Math.min(failures - 2, 30));
  }

  recordSuccess(ip: string): void {
    this.#entries.delete(ip);
  }

  /** Addresses currently remembered. */
  get size(): number {
    return this.#entries.size;
  }
}
