// Brute-force protection per source IP: `maxFailures` failed authentications within
// `windowMs` ban the address for `banMs`. A success resets the count. Memory is bounded: at most
// `maxTrackedIps` counters and as many bans, the oldest evicted first. Counters use a fixed
// window that starts at the first failure. No timers: expiry is checked lazily against an
// injectable clock. Logging and events are the caller's job (recordFailure says when a ban
// starts); this module only counts.

export interface BanListOptions {
  /** Failures within the window that trigger a ban (default 10; 0 disables banning). */
  maxFailures?: number;
  /** Window in ms in which failures are counted (default 60 s). */
  windowMs?: number;
  /** Ban duration in ms (default 600 s). */
  banMs?: number;
  /** Most addresses with a failure counter, and most banned addresses (default 10,000 each). */
  maxTrackedIps?: number;
  /** Addresses never counted nor banned (e.g. the operator's own monitoring host). */
  isExempt?: (ip: string) => boolean;
  /** Clock in ms (injectable for tests). */
  now?: () => number;
}

export interface BanEntry {
  ip: string;
  bannedAtMs: number;
  untilMs: number;
  /** Failures counted when the ban started. */
  failures: number;
}

interface Counter {
  failures: number;
  windowStartMs: number;
}

export class BanList {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly banMs: number;
  readonly maxTrackedIps: number;
  #isExempt: (ip: string) => boolean;
  #now: () => number;
  // Both maps are kept in time order (re-inserted on reset), so the head is always the oldest.
  #counters = new Map<string, Counter>();
  #bans = new Map<string, BanEntry>();

  constructor(opts: BanListOptions = {}) {
    this.maxFailures = Math.max(0, opts.maxFailures ?? 10);
    this.windowMs = opts.windowMs ?? 60_000;
    this.banMs = opts.banMs ?? 600_000;
    this.maxTrackedIps = Math.max(1, opts.maxTrackedIps ?? 10_000);
    this.#isExempt = opts.isExempt ?? (() => false);
    this.#now = opts.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.maxFailures > 0;
  }

  /** True while `ip` is banned. */
  isBanned(ip: string): boolean {
    return this.banOf(ip) !== undefined;
  }

  /** The ban in force for `ip`, if any. */
  banOf(ip: string): BanEntry | undefined {
    const ban = this.#bans.get(ip);
    if (ban === undefined) return undefined;
    if (this.#now() >= ban.untilMs) {
      this.#bans.delete(ip);
      return undefined;
    }
    return ban;
  }

  /**
   * Count one failed authentication from `ip`. Returns the new ban when this failure started
   * one (log it and publish an event), else undefined.
   */
  recordFailure(ip: string): BanEntry | undefined {
    if (!this.enabled || this.#isExempt(ip) || this.isBanned(ip)) return undefined;
    const now = this.#now();
    let counter = this.#counters.get(ip);
    if (counter === undefined || now - counter.windowStartMs >= this.windowMs) {
      if (counter !== undefined) this.#counters.delete(ip);
      this.#sweepCounters(now);
      if (this.#counters.size >= this.maxTrackedIps) this.#evictOldest(this.#counters);
      counter = { failures: 0, windowStartMs: now };
      this.#counters.set(ip, counter);
    }
    counter.failures++;
    if (counter.failures < this.maxFailures) return undefined;
    this.#counters.delete(ip);
    this.#sweepBans(now);
    if (this.#bans.size >= this.maxTrackedIps) this.#evictOldest(this.#bans);
    const ban: BanEntry = { ip, bannedAtMs: now, untilMs: now + this.banMs, failures: counter.failures };
    this.#bans.set(ip, ban);
    return ban;
  }

  /** A successful authentication from `ip` clears its failure count. */
  recordSuccess(ip: string): void {
    this.#counters.delete(ip);
  }

  /** Lift a ban (and forget the failure count). Returns whether `ip` was banned. */
  unban(ip: string): boolean {
    this.#counters.delete(ip);
    const was = this.isBanned(ip);
    this.#bans.delete(ip);
    return was;
  }

  /** Bans in force, oldest first. */
  list(): BanEntry[] {
    this.#sweepBans(this.#now());
    return [...this.#bans.values()].map((b) => ({ ...b }));
  }

  /** Failures counted for `ip` in its current window (0 when none or the window passed). */
  failuresOf(ip: string): number {
    const counter = this.#counters.get(ip);
    if (counter === undefined || this.#now() - counter.windowStartMs >= this.windowMs) return 0;
    return counter.failures;
  }

  /** Sizes of the two maps, to check the memory bound. */
  dump(): { trackedIps: number; bannedIps: number } {
    return { trackedIps: this.#counters.size, bannedIps: this.#bans.size };
  }

  #sweepCounters(now: number): void {
    for (const [ip, c] of this.#counters) {
      if (now - c.windowStartMs < this.windowMs) break;
      this.#counters.delete(ip);
    }
  }

  #sweepBans(now: number): void {
    for (const [ip, b] of this.#bans) {
      if (now < b.untilMs) break;
      this.#bans.delete(ip);
    }
  }

  #evictOldest(map: Map<string, unknown>): void {
    const first = map.keys().next();
    if (!first.done) map.delete(first.value);
  }
}
