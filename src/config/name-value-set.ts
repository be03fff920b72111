// An ordered set of `<param name= value=>` or `<variable name= value=>` entries read from one
// element, with FreeSWITCH's lookup rules: names compare case-insensitively, a later entry with
// the same name overrides an earlier one, and every entry keeps its position so a reader that
// rejects a value can say where it was written. Read-only once built.

import { ConfigError } from '../common/index.js';
import type { SourcePosition } from './xml-element.js';
import { parseBool, parseInteger } from './values.js';

export interface NameValueEntry {
  /** Name as written. */
  readonly name: string;
  readonly value: string;
  /** `direction="inbound|outbound"` on gateway variables; undefined elsewhere. */
  readonly direction?: 'inbound' | 'outbound';
  readonly pos: SourcePosition;
}

export class NameValueSet implements ReadonlyMap<string, string> {
  /** Every entry in document order, repeats included. */
  readonly list: readonly NameValueEntry[];
  /** lower-case name → last entry with that name. */
  readonly #last: Map<string, NameValueEntry>;

  constructor(entries: readonly NameValueEntry[] = []) {
    this.list = Object.freeze([...entries]);
    this.#last = new Map();
    for (const e of entries) {
      const key = e.name.toLowerCase();
      // Delete first so that iteration order follows the position of the winning entry.
      this.#last.delete(key);
      this.#last.set(key, e);
    }
  }

  static readonly empty = new NameValueSet();

  get size(): number {
    return this.#last.size;
  }

  get(name: string): string | undefined {
    return this.#last.get(name.toLowerCase())?.value;
  }

  has(name: string): boolean {
    return this.#last.has(name.toLowerCase());
  }

  /** The winning entry for a name (with its position). */
  entry(name: string): NameValueEntry | undefined {
    return this.#last.get(name.toLowerCase());
  }

  /** Every value given for a name, in order (e.g. several `apply-inbound-acl` params). */
  all(name: string): string[] {
    const key = name.toLowerCase();
    return this.list.filter((e) => e.name.toLowerCase() === key).map((e) => e.value);
  }

  /** Entries a reader may iterate: one per name, the winning one. */
  *winners(): IterableIterator<NameValueEntry> {
    yield* this.#last.values();
  }

  /** The value, or `fallback` when the name is absent. */
  str(name: string, fallback: string): string;
  str(name: string, fallback?: string): string | undefined;
  str(name: string, fallback?: string): string | undefined {
    return this.get(name) ?? fallback;
  }

  /** An integer value; a malformed one is a ConfigError at the param's position. */
  int(name: string, fallback: number, range?: { min?: number; max?: number }): number {
    const e = this.entry(name);
    if (!e) return fallback;
    return checkedInt(e, range);
  }

  /** A boolean in FreeSWITCH's spellings; a malformed one is a ConfigError at its position. */
  bool(name: string, fallback: boolean): boolean {
    const e = this.entry(name);
    if (!e) return fallback;
    return checkedBool(e);
  }

  // ReadonlyMap: keys are names as written (the winning entry's spelling).
  keys(): MapIterator<string> {
    return mapIter(this.#last.values(), (e) => e.name);
  }
  values(): MapIterator<string> {
    return mapIter(this.#last.values(), (e) => e.value);
  }
  entries(): MapIterator<[string, string]> {
    return mapIter(this.#last.values(), (e): [string, string] => [e.name, e.value]);
  }
  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }
  forEach(callback: (value: string, key: string, map: ReadonlyMap<string, string>) => void, thisArg?: unknown): void {
    for (const e of this.#last.values()) callback.call(thisArg, e.value, e.name, this);
  }

  /** Plain object of the winning entries, for logs and JSON dumps. */
  toJSON(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.#last.values()) out[e.name] = e.value;
    return out;
  }
}

export function checkedInt(e: NameValueEntry, range?: { min?: number; max?: number }): number {
  const n = parseInteger(e.value);
  if (n === undefined) throw new ConfigError(`${e.name} must be a whole number, got "${e.value}"`, e.pos);
  if (range?.min !== undefined && n < range.min) {
    throw new ConfigError(`${e.name} must be at least ${range.min}, got ${n}`, e.pos);
  }
  if (range?.max !== undefined && n > range.max) {
    throw new ConfigError(`${e.name} must be at most ${range.max}, got ${n}`, e.pos);
  }
  return n;
}

export function checkedBool(e: NameValueEntry): boolean {
  const b = parseBool(e.value);
  if (b === undefined) throw new ConfigError(`${e.name} must be true or false, got "${e.value}"`, e.pos);
  return b;
}

type MapIterator<T> = IterableIterator<T> & { [Symbol.iterator](): MapIterator<T> };

function mapIter<A, B>(source: Iterator<A>, fn: (a: A) => B): MapIterator<B> {
  const it: MapIterator<B> = {
    next(): IteratorResult<B> {
      const r = source.next();
      return r.done ? { done: true, value: undefined } : { done: false, value: fn(r.value) };
    },
    [Symbol.iterator]() {
      return it;
    },
  };
  return it;
}
