// `sched_hangup [+]<sec> [<cause>] [bleg]` (spec §4.2): hang the channel up later — `+N`
// seconds from now, or at epoch second N — with a cause (default ALLOTTED_TIMEOUT); `bleg`
// hangs up the bridged partner instead (the channel itself when it has none at that moment).
// Every timer belongs to its channel and is cleared when the channel hangs up, so nothing is
// left running after a call.

import type { Application, Channel, HangupCause } from '../b2bua/index.js';
import { parseCause } from '../b2bua/index.js';
import { splitArgs } from '../dialplan/index.js';
import { syncApp } from './basic.js';

/** Most hangups one channel may have scheduled at once. */
export const MAX_SCHEDULED_PER_CHANNEL = 16;
/** setTimeout's limit (~24.8 days); longer delays are armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Scheduled {
  timer: NodeJS.Timeout | undefined;
}

/** The switch's scheduled hangups, one set per channel. */
export class HangupScheduler {
  readonly #byChannel = new Map<Channel, Set<Scheduled>>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** How many hangups are scheduled on all channels (for tests and `status`-like views). */
  get pendingCount(): number {
    let n = 0;
    for (const set of this.#byChannel.values()) n += set.size;
    return n;
  }

  /**
   * Schedule a hangup of `ch` (or of its partner, with `bleg`) at `atMs` (epoch ms); a time in
   * the past fires at once. False when the channel is gone or has too many scheduled already.
   */
  schedule(ch: Channel, atMs: number, cause: HangupCause, bleg: boolean): boolean {
    if (ch.hungUp) return false;
    let set = this.#byChannel.get(ch);
    if (!set) {
      set = new Set();
      this.#byChannel.set(ch, set);
      const forChannel = set;
      ch.once('hangup', () => {
        for (const s of forChannel) clearTimeout(s.timer);
        forChannel.clear();
        this.#byChannel.delete(ch);
      });
    }
    if (set.size >= MAX_SCHEDULED_PER_CHANNEL) return false;
    const entry: Scheduled = { timer: undefined };
    set.add(entry);
    const fire = () => {
      set.delete(entry);
      const target = bleg && ch.partner && !ch.partner.hungUp ? ch.partner : ch;
      target.log.info({ cause }, `sched_hangup: hanging up ${target.name} [${cause}]`);
      target.hangup(cause);
    };
    const arm = () => {
      const delay = atMs - this.#now();
      if (delay <= 0) {
        entry.timer = undefined;
        fire();
        return;
      }
      entry.timer = setTimeout(delay > MAX_TIMER_MS ? arm : fire, Math.min(delay, MAX_TIMER_MS));
    };
    // `+0` means now, but not inside the application that asked: the dialplan sees it next.
    entry.timer = setTimeout(arm, 0);
    return true;
  }
}

/** Parse `[+]<sec> [<cause>] [bleg]`; `bleg` is also accepted in the cause's place. */
export function parseSchedHangup(data: string, nowMs: number): { atMs: number; cause: HangupCause; bleg: boolean } | undefined {
  const args = splitArgs(data, 4);
  const when = args[0];
  if (!when || !/^\+?\d+$/.test(when)) return undefined;
  const relative = when.startsWith('+');
  const sec = Number(relative ? when.slice(1) : when);
  if (!Number.isSafeInteger(sec)) return undefined;
  let cause: HangupCause = 'ALLOTTED_TIMEOUT';
  let bleg = false;
  for (const arg of args.slice(1)) {
    if (arg.toLowerCase() === 'bleg') bleg = true;
    else if (cause === 'ALLOTTED_TIMEOUT' && arg) cause = parseCause(arg);
  }
  return { atMs: relative ? nowMs + sec * 1000 : sec * 1000, cause, bleg };
}

export function schedHangupApp(scheduler: HangupScheduler, now: () => number = Date.now): Application {
  return syncApp('sched_hangup', (ch, data) => {
    const parsed = parseSchedHangup(data, now());
    if (!parsed) return '-ERR usage: sched_hangup [+]<time> [<cause>] [bleg]';
    if (!scheduler.schedule(ch, parsed.atMs, parsed.cause, parsed.bleg)) return '-ERR too many scheduled hangups';
  });
}
