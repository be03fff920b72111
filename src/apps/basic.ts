// The call-control basics among the dptools (spec §4.2): answer, pre_answer, ring_ready,
// hangup, respond, sleep, park and eval. Each is a few lines on the core's channel API; the
// endpoint's driver does the signalling (200, 183, 180, the final response). Variables, logging,
// transfer, hash and bridge live in their own files.

import type { AppContext, Application, Channel } from '../b2bua/index.js';
import { parseCause } from '../b2bua/index.js';

/** An application that finishes at once (no await): the shape of most dptools. */
export function syncApp(name: string, run: (ch: Channel, data: string, ctx: AppContext) => string | void, routingSafe = false): Application {
  return { name, run, routingSafe };
}

/** Resolves after `ms` (true), or early (false) when the signal aborts (hangup, transfer). */
export function wait(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves when the signal aborts: an application that holds the channel until hangup or transfer. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Longest `sleep` accepted (one day): a bigger number is a typo, not a plan. */
const MAX_SLEEP_MS = 86_400_000;

export const basicApplications: readonly Application[] = [
  syncApp('answer', (ch) => {
    ch.answer();
  }),
  syncApp('pre_answer', (ch) => {
    ch.preAnswer();
  }),
  syncApp('ring_ready', (ch) => {
    ch.ringReady();
  }),
  // `hangup [cause]`: a cause name (any case) or number; nothing or an unknown name is NORMAL_CLEARING.
  syncApp('hangup', (ch, data) => {
    ch.hangup(data.trim() ? parseCause(data.trim()) : 'NORMAL_CLEARING');
  }),
  // `respond <code> [<reason>]`: a final or provisional SIP answer on an unanswered inbound call.
  syncApp('respond', (ch, data) => {
    const m = /^\s*(\d{3})\s*(.*)$/.exec(data);
    if (!m) return '-ERR usage: respond <code> [<reason>]';
    const status = Number(m[1]);
    if (status < 100 || status > 699) return '-ERR usage: respond <code> [<reason>]';
    const driver = ch.driver as { respond?: (c: Channel, status: number, reason?: string) => void };
    if (!driver.respond) return `-ERR ${ch.driver.technology} legs cannot respond`;
    driver.respond(ch, status, m[2]!.trim() || undefined);
  }),
  {
    name: 'sleep',
    async run(_ch, data, ctx) {
      const ms = Math.min(MAX_SLEEP_MS, Math.max(0, Number.parseInt(data, 10) || 0));
      await wait(ms, ctx.signal);
    },
  },
  {
    name: 'park',
    async run(ch, _data, ctx) {
      ch.setState('CS_PARK');
      await untilAborted(ctx.signal);
    },
  },
  // `eval <text>`: nothing but the expansion of its data (`${api(...)}` calls run for their effect).
  syncApp('eval', () => {}, true),
];
