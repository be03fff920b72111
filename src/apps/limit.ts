// `limit <backend> <realm> <resource> [<max>[/<interval>]] [<transfer_ext> [<dialplan> [<context>]]]`
// (spec §4.2, mod_dptools' limit with the hash backend) and the `limit_usage <backend> <realm>
// <resource>` API. Concurrent mode counts the channels that passed `limit` on a resource until
// each hangs up (a channel counts once per resource, however often it runs limit); the channel
// over `max` is transferred to `<transfer_ext>` (default `limit_exceeded`, in the channel's
// dialplan and context) or, with `!CAUSE`, hung up with that cause. `max/interval` limits the
// rate instead: at most `max` calls per `interval` seconds (a fixed window), not released at
// hangup. A missing or negative max only counts. Backends: `hash` (memory) and `db`, an alias
// of hash here: counts of live calls cannot outlive the process, so nothing is written.

import type { Application, Channel } from '../b2bua/index.js';
import { parseCause } from '../b2bua/index.js';
import { splitArgs } from '../dialplan/index.js';

export const LIMIT_BACKENDS: ReadonlySet<string> = new Set(['hash', 'db']);

/** Most resources tracked at once (bad dialplans must not grow memory without end). */
const MAX_RESOURCES = 100_000;

export interface LimitResult {
  allowed: boolean;
  /** Calls on the resource now (concurrent) or in this window (rate), this one included when allowed. */
  usage: number;
}

export class LimitStore {
  readonly #live = new Map<string, Set<string>>();
  readonly #rates = new Map<string, { start: number; count: number }>();
  readonly #byChannel = new Map<string, Set<string>>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  static key(realm: string, resource: string): string {
    return `${realm}/${resource}`;
  }

  /** Concurrent calls on a resource now. */
  usage(realm: string, resource: string): number {
    return this.#live.get(LimitStore.key(realm, resource))?.size ?? 0;
  }

  /** Count `uuid` on the resource unless that would exceed `max` (max < 0: count only). */
  acquire(realm: string, resource: string, max: number, uuid: string): LimitResult {
    const key = LimitStore.key(realm, resource);
    let set = this.#live.get(key);
    if (set?.has(uuid)) return { allowed: true, usage: set.size };
    const current = set?.size ?? 0;
    if (max >= 0 && current >= max) return { allowed: false, usage: current };
    if (!set) {
      if (this.#live.size >= MAX_RESOURCES) return { allowed: false, usage: 0 };
      this.#live.set(key, (set = new Set()));
    }
    set.add(uuid);
    let mine = this.#byChannel.get(uuid);
    if (!mine) this.#byChannel.set(uuid, (mine = new Set()));
    mine.add(key);
    return { allowed: true, usage: set.size };
  }

  /** Rate mode: one more call in the current window of `intervalSec`, unless `max` are in it. */
  acquireRate(realm: string, resource: string, max: number, intervalSec: number): LimitResult {
    const key = LimitStore.key(realm, resource);
    const now = this.#now();
    let w = this.#rates.get(key);
    if (!w || now - w.start >= intervalSec * 1000) {
      if (!w && this.#rates.size >= MAX_RESOURCES) this.#sweepRates(now, intervalSec);
      w = { start: now, count: 0 };
      this.#rates.set(key, w);
    }
    if (max >= 0 && w.count >= max) return { allowed: false, usage: w.count };
    w.count++;
    return { allowed: true, usage: w.count };
  }

  /** Everything a channel holds, released (its hangup). */
  release(uuid: string): void {
    const keys = this.#byChannel.get(uuid);
    if (!keys) return;
    this.#byChannel.delete(uuid);
    for (const key of keys) {
      const set = this.#live.get(key);
      if (!set) continue;
      set.delete(uuid);
      if (set.size === 0) this.#live.delete(key);
    }
  }

  /** Resources with live calls, for inspection. */
  dump(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [k, v] of this.#live) out.set(k, v.size);
    return out;
  }

  #sweepRates(now: number, intervalSec: number): void {
    for (const [k, w] of this.#rates) if (now - w.start >= intervalSec * 1000) this.#rates.delete(k);
  }
}

const USAGE = 'limit <backend> <realm> <resource> [<max>[/<interval>]] [<transfer_destination_number> [<dialplan> [<context>]]]';

/** `max[/interval]`: max -1 when absent; undefined when not numbers. */
function parseMax(text: string | undefined): { max: number; intervalSec: number | undefined } | undefined {
  if (text === undefined || text === '') return { max: -1, intervalSec: undefined };
  const m = /^(-?\d{1,9})(?:\/(\d{1,9}))?$/.exec(text.trim());
  if (!m) return undefined;
  const intervalSec = m[2] === undefined ? undefined : Number(m[2]);
  if (intervalSec !== undefined && intervalSec <= 0) return undefined;
  return { max: Number(m[1]), intervalSec };
}

export function limitApp(store: LimitStore): Application {
  const watched = new WeakSet<Channel>();
  return {
    name: 'limit',
    run(ch, data, ctx) {
      const [backendArg, realm, resource, maxArg, dest, dialplan, context] = splitArgs(data, 7);
      const backend = (backendArg ?? '').toLowerCase();
      const parsed = parseMax(maxArg);
      if (!realm || !resource || !parsed) {
        ch.log.error({ data }, `Usage: ${USAGE}`);
        return `-ERR Usage: ${USAGE}`;
      }
      if (!LIMIT_BACKENDS.has(backend)) {
        // A limit that cannot count must not let calls through uncounted: refuse the call.
        ch.log.error({ backend }, `Limit backend ${backend} not found: call refused`);
        ch.hangup('NORMAL_TEMPORARY_FAILURE');
        return `-ERR unknown limit backend ${backend}`;
      }
      const { max, intervalSec } = parsed;
      const result = intervalSec === undefined ? store.acquire(realm, resource, max, ch.uuid) : store.acquireRate(realm, resource, max, intervalSec);
      if (intervalSec === undefined && !watched.has(ch)) {
        watched.add(ch);
        ch.once('hangup', () => store.release(ch.uuid));
      }
      ch.setVariable('limit_realm', realm);
      ch.setVariable('limit_id', resource);
      ch.setVariable('limit_max', String(max));
      ch.setVariable(intervalSec === undefined ? 'limit_usage' : 'limit_rate', String(result.usage));
      ch.setVariable(`${intervalSec === undefined ? 'limit_usage' : 'limit_rate'}_${realm}_${resource}`, String(result.usage));
      if (result.allowed) return;
      ch.log.info({ realm, resource, max, interval: intervalSec, usage: result.usage }, `Usage for ${realm}_${resource} exceeds maximum ${intervalSec === undefined ? 'count' : 'rate'} of ${max}`);
      const target = dest || 'limit_exceeded';
      if (target.startsWith('!')) {
        ch.hangup(parseCause(target.slice(1)));
        return `-ERR over limit`;
      }
      ctx.core.transfer(ch, target, dialplan || undefined, context || undefined);
      return `-ERR over limit`;
    },
  };
}

/** `limit_usage <backend> <realm> <resource>`: live calls on the resource. */
export function limitUsageApi(store: LimitStore): (args: string) => string {
  return (args) => {
    const [backend, realm, resource] = args.trim().split(/\s+/);
    if (!backend || !realm || !resource) return '-USAGE: <backend> <realm> <resource>\n';
    if (!LIMIT_BACKENDS.has(backend.toLowerCase())) return `-ERR unknown limit backend ${backend}\n`;
    return String(store.usage(realm, resource));
  };
}
