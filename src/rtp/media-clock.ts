// The shared 20 ms media clock: one timer paces every player, DTMF sender and recorder of the
// engine, instead of one timer per leg. Frames are due at start + k·20 ms; each wake-up runs
// every frame that is due (so the average rate is exactly 50 per second whatever the timer's
// lateness), and after a long stall it skips ahead rather than bursting more than a few frames.
// Runs only while something is registered. Not here: what a tick does (the registered parts).

/** Something paced by the clock. `tick` must not throw; the clock catches and counts if it does. */
export interface MediaTicker {
  tick(nowMs: number): void;
}

export const FRAME_MS = 20;
/** Frames run back to back at most after a stall; older ones are skipped. */
const MAX_CATCH_UP = 5;

export class MediaClock {
  readonly #tickers = new Set<MediaTicker>();
  readonly #onError: (err: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #nextDueMs = 0;
  #ticks = 0;
  #skipped = 0;
  #errors = 0;
  #snapshot: MediaTicker[] = [];
  #dirty = true;

  constructor(onError: (err: unknown) => void = () => {}) {
    this.#onError = onError;
  }

  add(t: MediaTicker): void {
    if (this.#tickers.has(t)) return;
    this.#tickers.add(t);
    this.#dirty = true;
    if (!this.#timer) {
      this.#nextDueMs = performance.now() + FRAME_MS;
      this.#arm();
    }
  }

  delete(t: MediaTicker): void {
    if (!this.#tickers.delete(t)) return;
    this.#dirty = true;
    if (this.#tickers.size === 0) this.stop();
  }

  has(t: MediaTicker): boolean {
    return this.#tickers.has(t);
  }

  get size(): number {
    return this.#tickers.size;
  }

  stats(): { tickers: number; ticks: number; skipped: number; errors: number } {
    return { tickers: this.#tickers.size, ticks: this.#ticks, skipped: this.#skipped, errors: this.#errors };
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    const delay = Math.max(1, Math.round(this.#nextDueMs - performance.now()));
    this.#timer = setTimeout(this.#fire, delay);
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    const now = performance.now();
    let due = Math.floor((now - this.#nextDueMs) / FRAME_MS) + 1;
    if (due > MAX_CATCH_UP) {
      this.#skipped += due - MAX_CATCH_UP;
      this.#nextDueMs += (due - MAX_CATCH_UP) * FRAME_MS;
      due = MAX_CATCH_UP;
    }
    for (let k = 0; k < due; k++) {
      if (this.#dirty) {
        this.#snapshot = [...this.#tickers];
        this.#dirty = false;
      }
      const frameMs = this.#nextDueMs;
      this.#nextDueMs += FRAME_MS;
      this.#ticks++;
      for (const t of this.#snapshot) {
        if (!this.#tickers.has(t)) continue; // removed by an earlier ticker in this frame
        try {
          t.tick(frameMs);
        } catch (err) {
          this.#errors++;
          this.#onError(err);
        }
      }
    }
    if (this.#tickers.size > 0 && !this.#timer) this.#arm();
  };
}
