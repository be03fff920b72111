// The siptrace tap: every message sent or received, with time, transport, both addresses and
// the raw bytes, published to whoever subscribes (console `sofia global siptrace on`, the
// event socket). Watching only: a subscriber cannot change a message. Free when idle — the
// transports check `active` before building an entry.

export interface TraceEntry {
  readonly direction: 'recv' | 'send';
  readonly transport: 'udp' | 'tcp';
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Wall-clock time in microseconds since the epoch. */
  readonly timeUs: number;
  readonly bytes: Buffer;
  /** Name of the profile (SIP stack instance) that saw it. */
  readonly profile: string;
}

export type TraceListener = (entry: TraceEntry) => void;

export class SipTrace {
  #listeners = new Set<TraceListener>();
  #onError: (err: unknown) => void;

  constructor(onError: (err: unknown) => void = () => {}) {
    this.#onError = onError;
  }

  get active(): boolean {
    return this.#listeners.size > 0;
  }

  subscribe(listener: TraceListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  publish(entry: TraceEntry): void {
    for (const l of this.#listeners) {
      try {
        l(entry);
      } catch (err) {
        this.#onError(err);
      }
    }
  }
}

const ORIGIN_US = Math.round(performance.timeOrigin * 1000);

/** Microseconds since the epoch, from the monotonic clock anchored at process start. */
export function nowMicros(): number {
  return ORIGIN_US + Math.round(performance.now() * 1000);
}

/**
 * FreeSWITCH's siptrace layout (spec §5.8): a stamp line, 72 dashes, then the message.
 * `recv 612 bytes from udp/[192.168.1.50]:5060 at 14:02:11.804512:`
 */
export function formatTraceEntry(e: TraceEntry): string {
  const d = new Date(Math.floor(e.timeUs / 1000));
  const p2 = (n: number) => String(n).padStart(2, '0');
  const micros = String(e.timeUs % 1_000_000).padStart(6, '0');
  const stamp = `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${micros}`;
  const dir = e.direction === 'recv' ? 'from' : 'to';
  const head = `${e.direction} ${e.bytes.length} bytes ${dir} ${e.transport}/[${e.remoteAddress}]:${e.remotePort} at ${stamp}:`;
  const text = e.bytes.toString('utf8').replace(/\r\n/g, '\n');
  return `${head}\n${'-'.repeat(72)}\n${text}${text.endsWith('\n') ? '' : '\n'}`;
}
