// Durable appends to line files (the cdr_csv files): each file is opened once in append mode
// and kept open (at most `maxOpen` at a time, least recently used closed first); lines queued
// while a write is in flight go out together in one write and one fsync (group commit), and a
// line's promise resolves only after the fsync that covers it. `rotate()` renames every file
// to `<name>.YYYY-MM-DD-HH-MM-SS` as mod_cdr_csv does on SIGHUP; the next line reopens it.

import { mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

interface Waiter {
  line: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

interface FileState {
  path: string;
  handle: FileHandle | undefined;
  queue: Waiter[];
  /** The running flush loop, if any. */
  flushing: Promise<void> | undefined;
}

function rotationSuffix(d: Date): string {
  const p = (n: number) => (n < 10 ? `0${n}` : String(n));
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}`;
}

export class AppendFiles {
  readonly #files = new Map<string, FileState>();
  readonly #maxOpen: number;
  #closed = false;

  constructor(opts: { maxOpen?: number } = {}) {
    this.#maxOpen = Math.max(1, opts.maxOpen ?? 32);
  }

  /** Append `line` (which should end in `\n`) to `path`; resolves once it is on disk. */
  append(path: string, line: string): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('append files are closed'));
    let f = this.#files.get(path);
    if (f) {
      // Most recently used last: re-insert.
      this.#files.delete(path);
      this.#files.set(path, f);
    } else {
      f = { path, handle: undefined, queue: [], flushing: undefined };
      this.#files.set(path, f);
    }
    const state = f;
    const done = new Promise<void>((resolve, reject) => state.queue.push({ line, resolve, reject }));
    state.flushing ??= this.#flush(state);
    return done;
  }

  async #flush(f: FileState): Promise<void> {
    try {
      while (f.queue.length > 0) {
        const batch = f.queue.splice(0);
        try {
          if (!f.handle) {
            await mkdir(dirname(f.path), { recursive: true });
            f.handle = await open(f.path, 'a', 0o640);
            await this.#closeIdle(f);
          }
          const text = batch.length === 1 ? batch[0]!.line : batch.map((w) => w.line).join('');
          await f.handle.write(text);
          await f.handle.sync();
          for (const w of batch) w.resolve();
        } catch (err) {
          // Drop the handle: the next attempt reopens (the directory may have been removed).
          await f.handle?.close().catch(() => {});
          f.handle = undefined;
          for (const w of batch) w.reject(err as Error);
        }
      }
    } finally {
      f.flushing = undefined;
    }
  }

  /** Keep at most maxOpen handles: close the least recently used idle ones. */
  async #closeIdle(current: FileState): Promise<void> {
    let open = 0;
    for (const f of this.#files.values()) if (f.handle) open++;
    for (const f of this.#files.values()) {
      if (open <= this.#maxOpen) break;
      if (f === current || !f.handle || f.flushing || f.queue.length > 0) continue;
      const h = f.handle;
      f.handle = undefined;
      this.#files.delete(f.path);
      open--;
      await h.close().catch(() => {});
    }
  }

  /** Wait until every queued line is written (or failed). */
  async drain(): Promise<void> {
    for (;;) {
      const pending = [...this.#files.values()].map((f) => f.flushing).filter((p) => p !== undefined);
      if (pending.length === 0) return;
      await Promise.allSettled(pending);
    }
  }

  /**
   * Rename every file written so far to `<path>.<stamp>` (mod_cdr_csv's rotate on HUP) and
   * close it; the next line for that path starts a new file. Returns the new names.
   */
  async rotate(now = new Date()): Promise<string[]> {
    await this.drain();
    const suffix = rotationSuffix(now);
    const renamed: string[] = [];
    for (const f of [...this.#files.values()]) {
      if (f.flushing || f.queue.length > 0) continue;
      const h = f.handle;
      f.handle = undefined;
      this.#files.delete(f.path);
      await h?.close().catch(() => {});
      const exists = await stat(f.path).then(() => true, () => false);
      if (!exists) continue;
      const target = `${f.path}.${suffix}`;
      await rename(f.path, target);
      renamed.push(target);
    }
    return renamed;
  }

  /** Flush and close every file. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.drain();
    this.#closed = true;
    for (const f of this.#files.values()) await f.handle?.close().catch(() => {});
    this.#files.clear();
  }
}
