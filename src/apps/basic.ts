// The everyday applications (dptools, spec §4.2): answer, pre_answer, ring_ready, hangup,
// respond, set/unset/export, log, sleep, transfer, park. Each is a few lines on the core's
// channel API; hangup aborts whatever waits.

import type { AppContext, Application, Channel } from '../b2bua/index.js';
import { parseCause } from '../b2bua/index.js';
import { splitArgs } from '../dialplan/index.js';

const sync = (name: string, run: (ch: Channel, data: string, ctx: AppContext) => string | void, routingSafe = false): Application => ({ name, run, routingSafe });

/** `name=value` or `name,value` (FreeSWITCH accepts both for set). */
function splitAssignment(data: string): [string, string] {
  const eq = data.indexOf('=');
  const comma = data.indexOf(',');
  const at = eq >= 0 && (comma < 0 || eq < comma) ? eq : comma;
  if (at < 0) return [data.trim(), ''];
  return [data.slice(0, at).trim(), data.slice(at + 1)];
}

/** Resolves after `ms`, or early (false) when the signal aborts. */
export function wait(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export const basicApplications: Application[] = [
  sync('answer', (ch) => {
    ch.answer();
  }),
  sync('pre_answer', (ch) => {
    ch.preAnswer();
  }),
  sync('ring_ready', (ch) => {
    ch.ringReady();
  }),
  sync('hangup', (ch, data) => {
    ch.hangup(data.trim() ? parseCause(data.trim()) : 'NORMAL_CLEARING');
  }),
  sync('respond', (ch, data) => {
    const m = /^\s*(\d{3})\s*(.*)$/.exec(data);
    if (!m) return '-ERR usage: respond <code> [<reason>]';
    const driver = ch.driver as { respond?: (c: Channel, status: number, reason?: string) => void };
    driver.respond?.(ch, Number(m[1]), m[2] || undefined);
  }),
  sync('set', (ch, data) => {
    const [name, value] = splitAssignment(data);
    if (name) ch.setVariable(name, value);
  }, true),
  sync('unset', (ch, data) => {
    ch.setVariable(data.trim(), undefined);
  }, true),
  sync('export', (ch, data) => {
    const [rawName, value] = splitAssignment(data);
    if (!rawName) return;
    const nolocal = rawName.startsWith('nolocal:') || rawName.startsWith('_nolocal_');
    const name = nolocal ? rawName.replace(/^(nolocal:|_nolocal_)/, '') : rawName;
    // nolocal: only the legs originated from here get it (locally the prefixed name is set).
    ch.setVariable(nolocal ? `nolocal:${name}` : name, value);
    const list = (ch.getVariable('export_vars') ?? '').split(',').filter((n) => n && n !== rawName && n !== `nolocal:${name}`);
    list.push(nolocal ? `nolocal:${name}` : name);
    ch.setVariable('export_vars', list.join(','));
  }, true),
  sync('log', (ch, data) => {
    const m = /^\s*(CONSOLE|ALERT|CRIT|ERR|ERROR|WARNING|NOTICE|INFO|DEBUG)\s+([\s\S]*)$/i.exec(data);
    // FreeSWITCH: when the first word is not a level, the level is DEBUG and the word is dropped.
    const level = m ? m[1]!.toUpperCase() : 'DEBUG';
    const text = m ? m[2]! : data.replace(/^\s*\S+\s*/, '');
    const fn = level === 'DEBUG' ? 'debug' : level === 'INFO' || level === 'NOTICE' || level === 'CONSOLE' ? 'info' : level === 'WARNING' ? 'warn' : 'error';
    ch.log[fn]({ mod: 'log', level }, text);
  }, true),
  {
    name: 'sleep',
    async run(ch, data, ctx) {
      const ms = Math.max(0, Number.parseInt(data, 10) || 0);
      await wait(ms, ctx.signal);
    },
  },
  sync('transfer', (ch, data, ctx) => {
    const args = splitArgs(data);
    let which = 'self';
    if (args[0] === '-bleg' || args[0] === '-both') which = args.shift()!;
    const [dest = '', dialplan, context] = args;
    const targets = which === 'self' ? [ch] : which === '-bleg' ? [ch.partner] : [ch, ch.partner];
    for (const t of targets) if (t) ctx.core.transfer(t, dest, dialplan, context);
  }),
  {
    name: 'park',
    run(ch, _data, ctx) {
      ch.setState('CS_PARK');
      return new Promise<void>((resolve) => {
        if (ctx.signal.aborted) return resolve();
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    },
  },
];
