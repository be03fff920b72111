// Delivery of JSON CDRs to an HTTP endpoint (mod_json_cdr's `url`, `cred`, `retries`,
// `delay`, `encode`, `err-log-dir`), driven by the SQLite queue so that a URL that is down
// loses nothing: rows stay `queued` and are retried, also after a restart. One record at a
// time, oldest first. A delivery round makes 1 + `retries` tries `delay` seconds apart, each
// try walking the `url` list; a failed round backs the record off (delay × 2^n, capped at
// `max-delay`) and pauses the whole queue until then, so a dead server is probed by one record,
// not hammered by all of them. Any 2xx is success. Delivery is at least once: a server that
// stores a record but never answers gets it again.

import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from '../../common/index.js';
import type { CdrRow, CdrStore } from './cdr-store.js';
import type { JsonCdrConf } from './json-cdr-conf.js';

export interface CdrPosterOptions {
  store: CdrStore;
  /** The current json_cdr configuration (read at each delivery: reloadxml applies). */
  conf: () => JsonCdrConf;
  logger: Logger;
}

/** How long a record waits after `failedRounds` failed rounds. */
export function backoffMs(conf: Pick<JsonCdrConf, 'delaySec' | 'maxDelaySec'>, failedRounds: number): number {
  const base = (conf.delaySec > 0 ? conf.delaySec : 1) * 1000;
  const exp = Math.min(failedRounds, 30);
  return Math.min(conf.maxDelaySec * 1000, base * 2 ** exp);
}

function body(conf: JsonCdrConf, json: string): { contentType: string; payload: string } {
  switch (conf.encode) {
    case 'url':
      return { contentType: 'application/x-www-form-urlencoded', payload: `cdr=${encodeURIComponent(json)}` };
    case 'base64':
      return { contentType: 'application/x-www-form-urlencoded', payload: `cdr=${encodeURIComponent(Buffer.from(json, 'utf8').toString('base64'))}` };
    default:
      return { contentType: 'application/json', payload: json };
  }
}

export class CdrPoster {
  readonly #store: CdrStore;
  readonly #conf: () => JsonCdrConf;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;
  readonly #abort = new AbortController();
  /** Number of records delivered since start (for status and tests). */
  delivered = 0;

  constructor(opts: CdrPosterOptions) {
    this.#store = opts.store;
    this.#conf = opts.conf;
    this.#log = opts.logger;
  }

  /** Look at the queue now (a new record, a reload, the start). */
  kick(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      if (this.#again && !this.#closed) {
        this.#again = false;
        this.kick();
      }
    });
  }

  async #run(): Promise<void> {
    let paused = false;
    try {
      for (;;) {
        if (this.#closed || this.#store.closed) return;
        const conf = this.#conf();
        if (conf.urls.length === 0) return; // nothing to post to: rows wait for a URL
        const rows = this.#store.dueForPost(Date.now(), 20);
        if (rows.length === 0) break;
        for (const row of rows) {
          if (this.#closed) return;
          const ok = await this.#deliver(row, conf);
          if (!ok) {
            paused = true;
            break;
          }
        }
        if (paused) break;
      }
    } catch (err) {
      this.#log.error({ err }, 'CDR delivery failed');
    }
    this.#schedule(paused);
  }

  /** Wake up when the next queued record falls due. */
  #schedule(paused: boolean): void {
    if (this.#closed || this.#store.closed) return;
    const next = this.#store.nextPostAt();
    if (next === undefined) return;
    const waitMs = Math.max(paused ? 10 : 0, next - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.kick();
    }, Math.min(waitMs, 2_147_000_000));
    this.#timer.unref();
  }

  /** One delivery round for one record; false when it failed (the queue pauses). */
  async #deliver(row: CdrRow, conf: JsonCdrConf): Promise<boolean> {
    if (!row.jsonPath) {
      this.#store.markPostLost(row.id, 'no JSON document');
      return true;
    }
    let json: string;
    try {
      json = await readFile(row.jsonPath, 'utf8');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') {
        this.#log.error({ uuid: row.uuid, path: row.jsonPath }, 'CDR file is gone, cannot post it');
        this.#store.markPostLost(row.id, `file missing: ${row.jsonPath}`);
        return true;
      }
      throw err;
    }
    const { contentType, payload } = body(conf, json);
    const headers: Record<string, string> = { 'content-type': contentType };
    if (conf.cred) headers.authorization = `Basic ${Buffer.from(conf.cred, 'utf8').toString('base64')}`;
    let lastError = '';
    for (let attempt = 0; attempt <= conf.retries; attempt++) {
      if (attempt > 0 && !(await this.#sleep(conf.delaySec * 1000))) return false;
      for (const url of conf.urls) {
        if (this.#closed) return false;
        try {
          const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(conf.timeoutSec * 1000)]);
          const res = await fetch(url, { method: 'POST', headers, body: payload, signal });
          await res.arrayBuffer().catch(() => undefined);
          if (res.status >= 200 && res.status <= 299) {
            this.#store.markPosted(row.id);
            this.delivered++;
            this.#log.debug({ uuid: row.uuid, url, status: res.status }, 'CDR posted');
            return true;
          }
          lastError = `HTTP ${res.status} from ${url}`;
        } catch (err) {
          const cause = (err as { cause?: { code?: string } }).cause;
          lastError = `${(err as Error).message}${cause?.code ? ` (${cause.code})` : ''} for ${url}`;
        }
      }
    }
    if (this.#closed || this.#store.closed) return false;
    const next = Date.now() + backoffMs(conf, row.postAttempts);
    this.#store.markPostFailed(row.id, next, lastError);
    this.#log.warn({ uuid: row.uuid, error: lastError, retryAt: new Date(next).toISOString() }, 'CDR post failed, kept in the queue');
    if (conf.errLogDir && row.postAttempts === 0) {
      try {
        await mkdir(conf.errLogDir, { recursive: true });
        await copyFile(row.jsonPath, join(conf.errLogDir, basename(row.jsonPath)));
      } catch (err) {
        this.#log.error({ err, dir: conf.errLogDir }, 'cannot write to err-log-dir');
      }
    }
    return false;
  }

  /** Sleep unless closed meanwhile; false when closed. */
  #sleep(ms: number): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#abort.signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        resolve(false);
      };
      this.#abort.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Stop: no new rounds, the request in flight is aborted (its record stays queued). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#abort.abort();
    await this.#running?.catch(() => undefined);
  }
}
