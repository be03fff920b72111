// One connection's event selection: which event names (and CUSTOM subclasses) it listens to, in
// which format, its header filters, and `myevents` binding to one channel. Pure state: the
// connection feeds it command arguments and asks matches(event). Semantics follow FreeSWITCH's
// mod_event_socket (spec §7.3):
//   - `event [plain|json|xml] NAME… [CUSTOM sub…]`: additive, names case-insensitive, unknown
//     names ignored, every word after CUSTOM is a subclass; ALL includes every CUSTOM subclass.
//   - `nixevent NAME…`: removes names; removing one name from ALL keeps all the others.
//   - filters OR together; `-value` excludes; `/regex/` values are regular expressions; an event
//     without the filtered header is judged by the other filters only.

import type { SwitchEvent } from '../common/index.js';
import { eventHeader } from '../common/index.js';
import { canonicalEventName, FS_EVENT_NAMES, MYEVENTS_NAMES } from './event-names.js';
import type { EventFormat } from './event-serializer.js';

interface Filter {
  readonly header: string;
  readonly value: string;
  /** Compiled once for `/regex/` values. */
  readonly regex: RegExp | undefined;
}

const FORMATS: Record<string, EventFormat> = { plain: 'plain', json: 'json', xml: 'xml' };

function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== '');
}

/** `/pattern/flags` (or `/pattern`) → RegExp; undefined when it does not compile. */
export function compileSlashRegex(text: string): RegExp | undefined {
  let body = text.startsWith('/') ? text.slice(1) : text;
  let flags = '';
  const end = body.lastIndexOf('/');
  if (end >= 0) {
    flags = body.slice(end + 1).replace(/[^imsu]/g, '');
    body = body.slice(0, end);
  }
  try {
    return new RegExp(body, [...new Set(flags)].join(''));
  } catch {
    return undefined;
  }
}

export class EventSubscription {
  format: EventFormat = 'plain';
  #enabled = false;
  #all = false;
  #names = new Set<string>();
  #subclasses = new Set<string>();
  #filters: Filter[] = [];
  #myUuid: string | undefined;

  get enabled(): boolean {
    return this.#enabled;
  }

  /** The channel uuid bound by `myevents`, if any. */
  get myUuid(): string | undefined {
    return this.#myUuid;
  }

  /** `event …` → reply text. */
  enable(args: string): string {
    const list = words(args);
    const first = list[0]?.toLowerCase();
    if (first !== undefined && FORMATS[first]) {
      this.format = FORMATS[first];
      list.shift();
    }
    let keys = 0;
    let custom = false;
    for (const word of list) {
      if (custom) {
        this.#subclasses.add(word);
        continue;
      }
      const name = canonicalEventName(word);
      if (name === undefined) continue;
      keys++;
      if (name === 'ALL') this.#all = true;
      else this.#names.add(name);
      if (name === 'CUSTOM') custom = true;
    }
    if (keys === 0) return '-ERR no keywords supplied';
    this.#enabled = true;
    return `+OK event listener enabled ${this.format}`;
  }

  /** `nixevent …` → reply text. */
  nix(args: string): string {
    let keys = 0;
    let custom = false;
    for (const word of words(args)) {
      if (custom) {
        this.#subclasses.delete(word);
        continue;
      }
      const name = canonicalEventName(word);
      if (name === undefined) continue;
      keys++;
      if (name === 'CUSTOM') {
        custom = true;
      } else if (name === 'ALL') {
        this.#all = false;
        this.#names.clear();
      } else {
        if (this.#all) {
          this.#all = false;
          for (const n of FS_EVENT_NAMES) if (n !== 'ALL') this.#names.add(n);
        }
        this.#names.delete(name);
      }
    }
    if (keys === 0) return '-ERR no keywords supplied';
    this.#enabled = true;
    return '+OK events nixed';
  }

  /** `noevents` → reply text. */
  disable(): string {
    if (!this.#enabled) return '-ERR not listening for events';
    this.#enabled = false;
    this.#all = false;
    this.#names.clear();
    this.#subclasses.clear();
    return '+OK no longer listening for events';
  }

  /** `myevents <uuid> [format]` once the uuid is accepted → reply text. */
  enableMyEvents(uuid: string, format?: string): string {
    if (this.#myUuid !== undefined) return '-ERR aready enabled.';
    this.#myUuid = uuid;
    for (const n of MYEVENTS_NAMES) this.#names.add(n);
    const f = format?.toLowerCase();
    if (f !== undefined && FORMATS[f]) this.format = FORMATS[f];
    this.#enabled = true;
    return '+OK Events Enabled';
  }

  /** `filter <Header> <value>` / `filter delete <Header> [<value>]` / `filter delete all`. */
  filter(args: string): string {
    const text = args.replace(/^ +/, '');
    let [name, value] = splitOnce(text);
    if (name.toLowerCase() === 'delete' && value !== undefined) {
      [name, value] = splitOnce(value);
      if (name.toLowerCase() === 'all') {
        this.#filters = [];
      } else {
        const lower = name.toLowerCase();
        this.#filters = this.#filters.filter(
          (f) => !(f.header.toLowerCase() === lower && (value === undefined || f.value === value)),
        );
      }
      return `+OK filter deleted. [${name}][${value ?? ''}]`;
    }
    if (value === undefined || name === '') return '-ERR invalid syntax';
    if (name.toLowerCase() === 'add') {
      [name, value] = splitOnce(value);
      if (value === undefined || name === '') return '-ERR invalid syntax';
    }
    let regex: RegExp | undefined;
    if (value.startsWith('/')) {
      regex = compileSlashRegex(stripSign(value));
      if (!regex) return `-ERR invalid regex [${value}]`;
    }
    this.#filters.push({ header: name, value, regex });
    return `+OK filter added. [${name}]=[${value}]`;
  }

  /** Filters in order, for `dump`-style inspection and tests. */
  filtersForTesting(): Array<[string, string]> {
    return this.#filters.map((f) => [f.header, f.value]);
  }

  matches(event: SwitchEvent): boolean {
    if (!this.#enabled) return false;
    let send =
      this.#all ||
      (this.#names.has(event.name) &&
        (event.name !== 'CUSTOM' || event.subclass === undefined || this.#subclasses.has(event.subclass)));
    if (!send) return false;
    if (this.#filters.length > 0) send = this.#passesFilters(event);
    if (send && this.#myUuid !== undefined) {
      send = eventHeader(event, 'Unique-ID') === this.#myUuid || eventHeader(event, 'Job-Owner-UUID') === this.#myUuid;
    }
    return send;
  }

  #passesFilters(event: SwitchEvent): boolean {
    let send = false;
    for (const f of this.#filters) {
      const actual = eventHeader(event, f.header);
      if (actual === undefined) continue;
      let positive = true;
      let i = 0;
      for (; i < f.value.length; i++) {
        const c = f.value[i];
        if (c === '+') positive = true;
        else if (c === '-') positive = false;
        else if (c !== ' ') break;
      }
      if (send && positive) continue;
      const expected = f.value.slice(i);
      const hit = f.regex ? f.regex.test(actual) : actual.toLowerCase() === expected.toLowerCase();
      if (hit) {
        if (!positive) return false;
        send = true;
      }
    }
    return send;
  }
}

function splitOnce(text: string): [string, string | undefined] {
  const sp = text.indexOf(' ');
  return sp < 0 ? [text, undefined] : [text.slice(0, sp), text.slice(sp + 1)];
}

function stripSign(value: string): string {
  return value.replace(/^[+\- ]+/, '');
}
