// mod_hash's in-memory key/value store (spec §4.2): the `hash` application
// (`insert|insert_ifempty|delete|delete_ifmatch/<realm>/<key>[/<value>]`) and the `hash` API
// (`select|insert|insert_ifempty|delete|delete_ifmatch/…`, used as `${hash(select/…)}`). One
// store for the whole switch, keys `<realm>_<key>`, case-sensitive. Vanilla's bookkeeping
// (last caller, last dialled, ringing uuid per extension and call group) lives here, for
// redial, call return and intercept. The store is bounded: past `maxEntries` the oldest key
// goes, and oversized keys or values are refused.

import type { Application } from '../b2bua/index.js';
import { separateString } from '../dialplan/index.js';
import { syncApp } from './basic.js';

export interface HashStoreOptions {
  /** Most keys held; inserting past it drops the least recently written key (default 100 000). */
  maxEntries?: number;
  /** Longest key plus value accepted, in characters (default 8 KiB). */
  maxEntryChars?: number;
}

export type HashInsertResult = 'ok' | 'exists' | 'too-big';

export class HashStore {
  readonly maxEntries: number;
  readonly maxEntryChars: number;
  /** Insertion (write) order is kept by Map: the first key is the oldest. */
  readonly #map = new Map<string, string>();
  #evicted = 0;

  constructor(opts: HashStoreOptions = {}) {
    this.maxEntries = Math.max(1, opts.maxEntries ?? 100_000);
    this.maxEntryChars = Math.max(16, opts.maxEntryChars ?? 8192);
  }

  static key(realm: string, key: string): string {
    return `${realm}_${key}`;
  }

  get size(): number {
    return this.#map.size;
  }

  /** Keys dropped because the store was full, since start. */
  get evicted(): number {
    return this.#evicted;
  }

  select(realm: string, key: string): string | undefined {
    return this.#map.get(HashStore.key(realm, key));
  }

  insert(realm: string, key: string, value: string, ifEmpty = false): HashInsertResult {
    const k = HashStore.key(realm, key);
    if (k.length + value.length > this.maxEntryChars) return 'too-big';
    if (this.#map.has(k)) {
      if (ifEmpty) return 'exists';
      this.#map.delete(k); // re-insert: it becomes the newest
    } else if (this.#map.size >= this.maxEntries) {
      const oldest = this.#map.keys().next().value as string;
      this.#map.delete(oldest);
      this.#evicted++;
    }
    this.#map.set(k, value);
    return 'ok';
  }

  delete(realm: string, key: string): boolean {
    return this.#map.delete(HashStore.key(realm, key));
  }

  /** Delete only when the stored value is exactly `value`. */
  deleteIfMatch(realm: string, key: string, value: string): 'ok' | 'mismatch' | 'missing' {
    const k = HashStore.key(realm, key);
    const v = this.#map.get(k);
    if (v === undefined) return 'missing';
    if (v !== value) return 'mismatch';
    this.#map.delete(k);
    return 'ok';
  }

  /** Every `<realm>_<key>` → value, for inspection. */
  dump(): Map<string, string> {
    return new Map(this.#map);
  }
}

const APP_USAGE = 'insert|insert_ifempty|delete|delete_ifmatch/<realm>/<key>[/<value>]';
const API_USAGE = 'insert|insert_ifempty|select|delete|delete_ifmatch/realm/key[/value]';

/** `verb/realm/key[/value]`: the value keeps any further `/` (FS splits into at most 4 parts). */
function parse(data: string): { verb: string; realm: string; key: string; value: string | undefined } | undefined {
  const argv = separateString(data, '/', 4);
  if (argv.length < 3 || !argv[0]) return undefined;
  return { verb: argv[0].toLowerCase(), realm: argv[1]!, key: argv[2]!, value: argv[3] };
}

/** The `hash` application. Not routing-safe (FreeSWITCH does not let it run inline). */
export function hashApp(store: HashStore): Application {
  return syncApp('hash', (ch, data) => {
    const p = parse(data);
    const usage = () => {
      ch.log.warn({ data }, `Usage: hash ${APP_USAGE}`);
      return `-ERR Usage: hash ${APP_USAGE}`;
    };
    if (!p) return usage();
    switch (p.verb) {
      case 'insert':
      case 'insert_ifempty': {
        if (p.value === undefined) return usage();
        const r = store.insert(p.realm, p.key, p.value, p.verb === 'insert_ifempty');
        if (r === 'too-big') {
          ch.log.warn({ realm: p.realm }, `hash: entry longer than ${store.maxEntryChars} characters refused`);
          return '-ERR too big';
        }
        return;
      }
      case 'delete':
        store.delete(p.realm, p.key);
        return;
      case 'delete_ifmatch':
        if (p.value === undefined) return usage();
        store.deleteIfMatch(p.realm, p.key, p.value);
        return;
      default:
        return usage();
    }
  });
}

/**
 * The `hash` API (also `${hash(…)}`): `select` prints the value (nothing when absent); the
 * others print `+OK` or `-ERR …` lines as mod_hash does.
 */
export function hashApi(store: HashStore): (args: string) => string {
  return (args) => {
    const p = parse(args);
    if (!p) return `-ERR Usage: hash ${API_USAGE}\n`;
    switch (p.verb) {
      case 'select':
        return store.select(p.realm, p.key) ?? '';
      case 'insert':
      case 'insert_ifempty': {
        if (p.value === undefined) return `-ERR Usage: hash ${API_USAGE}\n`;
        const r = store.insert(p.realm, p.key, p.value, p.verb === 'insert_ifempty');
        if (r === 'exists') return '-ERR key already exists\n';
        if (r === 'too-big') return '-ERR too big\n';
        return '+OK\n';
      }
      case 'delete':
        return store.delete(p.realm, p.key) ? '+OK\n' : '-ERR Not found\n';
      case 'delete_ifmatch': {
        if (p.value === undefined) return `-ERR Usage: hash ${API_USAGE}\n`;
        const r = store.deleteIfMatch(p.realm, p.key, p.value);
        return r === 'ok' ? '+OK\n' : r === 'mismatch' ? "-ERR Doesn't match\n" : '-ERR Not found\n';
      }
      default:
        return `-ERR Usage: hash ${API_USAGE}\n`;
    }
  };
}
