// The switch's event bus: FreeSWITCH-shaped events (a name, ordered headers, an optional body)
// published by any layer (channels, registrar, config reload, heartbeat) and consumed by the
// event socket and anything else that watches. Watching is not driving: nothing here changes
// the switch's behaviour, and a publish with no subscriber costs one branch.

import { randomUUID } from 'node:crypto';
import { hostname as osHostname } from 'node:os';

export type EventHeaders = Array<[name: string, value: string]>;

/** An event as delivered to subscribers: the common FreeSWITCH headers come first. */
export interface SwitchEvent {
  /** Event-Name (CHANNEL_CREATE, HEARTBEAT, CUSTOM, …). */
  readonly name: string;
  /** Event-Subclass for CUSTOM events (`sofia::register`). */
  readonly subclass: string | undefined;
  /** Every header in order, the common ones (Event-Name, Core-UUID, …) included. */
  readonly headers: EventHeaders;
  readonly body: string | undefined;
  /** Event-Sequence, strictly increasing per process. */
  readonly sequence: number;
}

export interface EventIdentity {
  coreUuid: string;
  hostname: string;
  switchname: string;
  ipv4: string;
  ipv6: string;
}

export type EventListener = (event: SwitchEvent) => void;

export interface PublishOptions {
  subclass?: string;
  body?: string;
  /** Event-Calling-File/Function/Line-Number: where in our code the event comes from. */
  origin?: { file: string; func: string; line?: number };
}

export class EventBus {
  readonly identity: EventIdentity;
  #listeners = new Set<EventListener>();
  #sequence = 0;
  #onListenerError: (err: unknown) => void;

  constructor(identity?: Partial<EventIdentity>, onListenerError?: (err: unknown) => void) {
    const host = osHostname();
    this.identity = {
      coreUuid: identity?.coreUuid ?? randomUUID(),
      hostname: identity?.hostname ?? host,
      switchname: identity?.switchname ?? host,
      ipv4: identity?.ipv4 ?? '127.0.0.1',
      ipv6: identity?.ipv6 ?? '::1',
    };
    this.#onListenerError = onListenerError ?? (() => {});
  }

  /** True when someone listens: check it before building an expensive event. */
  get hasSubscribers(): boolean {
    return this.#listeners.size > 0;
  }

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stamp the common headers and deliver. A listener that throws is reported, never rethrown. */
  publish(name: string, headers: EventHeaders = [], opts: PublishOptions = {}): SwitchEvent | undefined {
    if (this.#listeners.size === 0) return undefined;
    const event = this.stamp(name, headers, opts);
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (err) {
        this.#onListenerError(err);
      }
    }
    return event;
  }

  /** Build the event with the common headers, without delivering it (used by `sendevent`). */
  stamp(name: string, headers: EventHeaders, opts: PublishOptions = {}): SwitchEvent {
    const now = Date.now();
    const sequence = ++this.#sequence;
    const id = this.identity;
    const common: EventHeaders = [['Event-Name', name]];
    if (opts.subclass !== undefined) common.push(['Event-Subclass', opts.subclass]);
    common.push(
      ['Core-UUID', id.coreUuid],
      ['FreeSWITCH-Hostname', id.hostname],
      ['FreeSWITCH-Switchname', id.switchname],
      ['FreeSWITCH-IPv4', id.ipv4],
      ['FreeSWITCH-IPv6', id.ipv6],
      ['Event-Date-Local', formatLocalStamp(now)],
      ['Event-Date-GMT', new Date(now).toUTCString()],
      ['Event-Date-Timestamp', `${now}000`],
      ['Event-Calling-File', opts.origin?.file ?? ''],
      ['Event-Calling-Function', opts.origin?.func ?? ''],
      ['Event-Calling-Line-Number', String(opts.origin?.line ?? 0)],
      ['Event-Sequence', String(sequence)],
    );
    for (const h of headers) common.push(h);
    return { name, subclass: opts.subclass, headers: common, body: opts.body, sequence };
  }
}

/** `YYYY-MM-DD HH:MM:SS` in local time, as FreeSWITCH stamps events and CDRs. */
export function formatLocalStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => (n < 10 ? `0${n}` : String(n));
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The first value of a header in an event, or undefined. */
export function eventHeader(event: SwitchEvent, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of event.headers) if (k.toLowerCase() === lower) return v;
  return undefined;
}
