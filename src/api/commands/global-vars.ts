// `global_getvar [<var>]` and `global_setvar <var>=<value>`: read and write the switch's global
// variables (`$${var}`). Without a name, getvar lists every global as `name=value` lines. An
// empty value unsets the variable.

import type { ApiCommand } from '../registry.js';

/** The global variable store the commands act on (config's GlobalVars fits). */
export interface GlobalVariableStore {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
  /** Remove a variable; when missing, an empty value is stored instead. */
  delete?(name: string): void;
  snapshot(): ReadonlyMap<string, string>;
}

/** A plain in-memory store (names compare case-insensitively). */
export class MapGlobalVariables implements GlobalVariableStore {
  #vars = new Map<string, { name: string; value: string }>();

  constructor(initial: Readonly<Record<string, string>> = {}) {
    for (const [k, v] of Object.entries(initial)) this.set(k, v);
  }

  get(name: string): string | undefined {
    return this.#vars.get(name.toLowerCase())?.value;
  }

  set(name: string, value: string): void {
    const key = name.toLowerCase();
    this.#vars.set(key, { name: this.#vars.get(key)?.name ?? name, value });
  }

  delete(name: string): void {
    this.#vars.delete(name.toLowerCase());
  }

  snapshot(): ReadonlyMap<string, string> {
    const out = new Map<string, string>();
    for (const e of this.#vars.values()) out.set(e.name, e.value);
    return out;
  }
}

export function globalGetvarCommand(store: GlobalVariableStore): ApiCommand {
  return {
    description: 'Get global var',
    usage: '<var>',
    handler(args) {
      const name = args.trim();
      if (name === '') {
        let out = '';
        for (const [k, v] of store.snapshot()) out += `${k}=${v}\n`;
        return out;
      }
      return store.get(name) ?? '';
    },
  };
}

export function globalSetvarCommand(store: GlobalVariableStore): ApiCommand {
  const syntax = '<var>=<value>';
  return {
    description: 'Set global var',
    usage: syntax,
    handler(args) {
      const eq = args.indexOf('=');
      const name = (eq < 0 ? args : args.slice(0, eq)).trim();
      if (name === '' || /\s/.test(name)) return `-USAGE: ${syntax}\n`;
      const value = eq < 0 ? '' : args.slice(eq + 1).trim();
      if (value === '') {
        if (store.delete) store.delete(name);
        else store.set(name, '');
      } else {
        store.set(name, value);
      }
      return '+OK';
    },
  };
}
