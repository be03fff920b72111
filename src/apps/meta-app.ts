// `bind_meta_app <key> <listen a|b|ab> <flags a|b|o|s|i|1> <app>[::<args>]` and
// `unbind_meta_app [<key>]` (spec §4.2). The binding is validated and stored on the channel as
// FreeSWITCH stores it: after the meta key (`*`, or the channel's `bind_meta_key`) and `<key>`
// pressed on a listened leg, `<app>` runs on the leg the flags name. Acting on it needs DTMF
// from the media layer, which reads the bindings through `metaAppBindings`; until then the
// vanilla dialplan's bindings are accepted and kept, and nothing presses them.

import type { Application, Channel } from '../b2bua/index.js';
import { splitArgs } from '../dialplan/index.js';
import { syncApp } from './basic.js';

export interface MetaAppBinding {
  /** The digit pressed after the meta key, `0`–`9`. */
  readonly key: string;
  /** Whose DTMF is listened to: the A-leg (`a`), the B-leg (`b`) or both. */
  readonly listenA: boolean;
  readonly listenB: boolean;
  /**
   * Where the app runs: `a`, `b`, `o` (opposite of the presser), `s` (same as the presser);
   * none written means the presser.
   */
  readonly execOn: ReadonlyArray<'a' | 'b' | 'o' | 's'>;
  /** `i`: run inline on the pressing channel instead of breaking into it. */
  readonly inline: boolean;
  /** `1`: the binding is removed after one use. */
  readonly once: boolean;
  readonly app: string;
  readonly args: string;
}

const USAGE = '<key> [a|b|ab] [a|b|o|s|i|1] <app>[::<args>]';
const bindings = new WeakMap<Channel, MetaAppBinding[]>();

/** The channel's meta-app bindings, in key order. */
export function metaAppBindings(ch: Channel): readonly MetaAppBinding[] {
  return bindings.get(ch) ?? [];
}

/** Parse a bind_meta_app argument; an error text when it is malformed. */
export function parseMetaAppBinding(data: string): MetaAppBinding | string {
  const argv = splitArgs(data, 4);
  if (argv.length < 4 || !argv[3]) return `usage: bind_meta_app ${USAGE}`;
  const [key, listen, flags, appSpec] = argv as [string, string, string, string];
  if (!/^[0-9]$/.test(key)) return `invalid key "${key}": one digit 0-9`;
  const l = listen.toLowerCase();
  if (!/^[ab]+$/.test(l)) return `invalid listen "${listen}": a, b or ab`;
  const f = flags.toLowerCase();
  if (!/^[abosi1]+$/.test(f)) return `invalid flags "${flags}": a, b, o, s, i or 1`;
  const exec = [...new Set([...f].filter((c) => 'abos'.includes(c)))] as Array<'a' | 'b' | 'o' | 's'>;
  const sep = appSpec.indexOf('::');
  const app = (sep < 0 ? appSpec : appSpec.slice(0, sep)).trim();
  if (!app) return `usage: bind_meta_app ${USAGE}`;
  return {
    key,
    listenA: l.includes('a'),
    listenB: l.includes('b'),
    execOn: exec,
    inline: f.includes('i'),
    once: f.includes('1'),
    app,
    args: sep < 0 ? '' : appSpec.slice(sep + 2),
  };
}

export const metaAppApplications: readonly Application[] = [
  syncApp('bind_meta_app', (ch, data) => {
    const b = parseMetaAppBinding(data);
    if (typeof b === 'string') {
      ch.log.error({ data }, `Bind Error! ${b}`);
      return `-ERR ${b}`;
    }
    const list = (bindings.get(ch) ?? []).filter((x) => x.key !== b.key);
    list.push(b);
    list.sort((x, y) => x.key.localeCompare(y.key));
    bindings.set(ch, list);
    ch.log.debug({ key: b.key, app: b.app, args: b.args }, `Bound: ${b.key} ${b.app}`);
  }),
  syncApp('unbind_meta_app', (ch, data) => {
    const key = data.trim();
    if (!key) {
      bindings.delete(ch);
      return;
    }
    if (!/^[0-9]$/.test(key)) return `-ERR invalid key "${key}"`;
    const list = (bindings.get(ch) ?? []).filter((x) => x.key !== key);
    if (list.length > 0) bindings.set(ch, list);
    else bindings.delete(ch);
  }),
];
