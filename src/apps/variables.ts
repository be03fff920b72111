// The variable dptools (spec §4.2): set, unset, export (with `nolocal:`), multiset, multiunset,
// push, unshift and set_global. All are routing-safe, so `inline="true"` may run them while the
// dialplan is hunted. Like FreeSWITCH, `set`/`push`/`unshift` expand their value once more
// when they run, and an empty value unsets.

import type { AppContext, Application, Channel } from '../b2bua/index.js';
import { formatArrayVariable, parseArrayVariable, separateString } from '../dialplan/index.js';
import { syncApp } from './basic.js';

/** Where `set_global` writes: the switch's global variables (`$${…}` and `${…}` fallback). */
export interface GlobalVariableWriter {
  set(name: string, value: string): void;
  /** Remove a variable (an empty value does this). */
  delete?(name: string): void;
}

/** Most elements an array variable (`push`/`unshift`) may hold. */
export const MAX_ARRAY_ELEMENTS = 256;
/** Most items one multiset/multiunset handles (FreeSWITCH uses a fixed array of 256). */
const MAX_MULTI_ITEMS = 256;

/**
 * `name=value`, or `name,value` when there is no `=` (FS base_set looks for `=` first). No
 * separator: the name alone, no value.
 */
export function splitAssignment(data: string): [name: string, value: string] {
  let at = data.indexOf('=');
  if (at < 0) at = data.indexOf(',');
  if (at < 0) return [data.trim(), ''];
  return [data.slice(0, at).trim(), data.slice(at + 1)];
}

type Stack = 'set' | 'push' | 'unshift';

/** FS base_set: expand the value again, then set, append or prepend; an empty value unsets. */
function baseSet(ch: Channel, data: string, ctx: AppContext, stack: Stack): string | void {
  const [name, raw] = splitAssignment(data);
  if (!name) return '-ERR no variable name';
  const value = raw === '' ? '' : ctx.core.expand(raw, ch);
  ch.log.debug({ variable: name, value: value || 'UNDEF' }, `${stack.toUpperCase()} ${ch.name} [${name}]=[${value || 'UNDEF'}]`);
  if (stack === 'set' || value === '') {
    ch.setVariable(name, value);
    return;
  }
  const old = ch.getVariable(name);
  const elements = old === undefined ? [] : parseArrayVariable(old);
  if (elements.length >= MAX_ARRAY_ELEMENTS) {
    ch.log.warn({ variable: name }, `array variable ${name} already holds ${MAX_ARRAY_ELEMENTS} elements`);
    return `-ERR ${name} is full`;
  }
  if (stack === 'push') elements.push(value);
  else elements.unshift(value);
  ch.setVariable(name, formatArrayVariable(elements));
}

/**
 * `export [nolocal:|_nolocal_]name=value`: set the variable here and name it in `export_vars`,
 * so every leg this channel originates gets it. With the `nolocal:` prefix the variable is stored
 * here under its prefixed name (the core strips the prefix for the new legs), as FreeSWITCH does.
 */
export function exportVariable(ch: Channel, data: string): void {
  const eq = data.indexOf('=');
  const name = (eq < 0 ? data : data.slice(0, eq)).trim();
  const value = eq < 0 ? '' : data.slice(eq + 1);
  if (!name) return;
  ch.setVariable(name, value);
  if (value === '') return;
  const list = (ch.getVariable('export_vars') ?? '').split(',').filter((n) => n !== '' && n !== name);
  list.push(name);
  ch.setVariable('export_vars', list.join(','));
}

export function variableApplications(globals: GlobalVariableWriter | undefined): Application[] {
  return [
    syncApp('set', (ch, data, ctx) => baseSet(ch, data, ctx, 'set'), true),
    syncApp('push', (ch, data, ctx) => baseSet(ch, data, ctx, 'push'), true),
    syncApp('unshift', (ch, data, ctx) => baseSet(ch, data, ctx, 'unshift'), true),
    syncApp('unset', (ch, data) => {
      const name = data.trim();
      if (name) ch.setVariable(name, undefined);
    }, true),
    syncApp('export', (ch, data) => exportVariable(ch, data), true),
    // `multiset a=1 b=2` (`^^<c>` first changes the separator: `multiset ^^|a=1 1|b=2`).
    syncApp('multiset', (ch, data, ctx) => {
      for (const item of separateString(data, ' ', MAX_MULTI_ITEMS)) if (item) baseSet(ch, item, ctx, 'set');
    }, true),
    syncApp('multiunset', (ch, data) => {
      for (const name of separateString(data, ' ', MAX_MULTI_ITEMS)) if (name) ch.setVariable(name, undefined);
    }, true),
    // `set_global name=value`: a switch-wide variable, read by `${name}` after channel variables.
    syncApp('set_global', (ch, data) => {
      const eq = data.indexOf('=');
      const name = (eq < 0 ? data : data.slice(0, eq)).trim();
      const value = eq < 0 ? '' : data.slice(eq + 1);
      if (!name) return '-ERR no variable name';
      if (!globals) return '-ERR global variables are read-only here';
      ch.log.debug({ variable: name, value }, `SET GLOBAL [${name}]=[${value || 'UNDEF'}]`);
      if (value === '' && globals.delete) globals.delete(name);
      else globals.set(name, value);
    }, true),
  ];
}
