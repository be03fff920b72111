// NAT keep-alive for registrations (FreeSWITCH's `nat-options-ping` / `all-reg-options-ping`):
// every pinged binding gets an out-of-dialog OPTIONS once per interval, sent where a call to it
// would go (the NAT source address, the TCP connection). An answer — any final response, even
// an error, proves the path works — marks it Reachable and records the round trip; a timeout or
// a transport error counts a failure, and after `maxFailures` in a row the owner is told (it
// drops the binding). Pings are spread over the interval: one coarse tick per second sends the
// next slice, so 100,000 bindings never mean 100,000 requests in one burst. RFC 3261 §11.

import type { Logger } from '../common/index.js';
import {
  newCallId,
  newTag,
  SipRequest,
  type ClientTransaction,
  type ClientTransactionUser,
  type Hop,
  type SipResponse,
  type SipStack,
} from '../sip/index.js';
import type { ListFilter, LocationStore, StoredBinding } from './location-store.js';

export interface KeepaliveOptions {
  stack: SipStack;
  store: LocationStore;
  profileName: string;
  /** Ping every binding (true) or only NATed ones (false). */
  all: boolean;
  intervalMs: number;
  maxFailures: number;
  /** Where a request to this binding goes now; undefined when it cannot be reached at all. */
  hopFor(b: StoredBinding): Hop | undefined;
  /** A binding failed `maxFailures` pings in a row (or has no usable path). */
  onUnreachable(b: StoredBinding): void | Promise<void>;
  logger: Logger;
  /** Tick length (default 1000 ms; tests shorten it). */
  tickMs?: number;
  now?: () => number;
}

/** Most OPTIONS in flight at once: a cap on memory whatever the number of bindings. */
const MAX_IN_FLIGHT = 2000;
/** Ping round-trip times kept for `sofia status … reg` (bounded; oldest dropped). */
const MAX_TIMES = 100_000;

export class RegistrationKeepalive {
  readonly #o: KeepaliveOptions;
  #timer: NodeJS.Timeout | undefined;
  #cursor = 0;
  #roundSize = 0;
  #perTick = 0;
  #inFlight = 0;
  #ticking = false;
  /** `aor\nkey` of bindings with a ping in flight: never two at once (a UDP ping may outlive the interval). */
  readonly #pending = new Set<string>();
  /** `aor\nkey` → last ping round trip in ms. */
  readonly #times = new Map<string, number>();
  /** Counters for tests and `dump()`. */
  readonly counters = { sent: 0, answered: 0, failed: 0, dropped: 0 };

  constructor(opts: KeepaliveOptions) {
    this.#o = opts;
  }

  start(): void {
    if (this.#timer) return;
    const tickMs = this.#o.tickMs ?? 1000;
    this.#timer = setInterval(() => {
      if (this.#ticking) return;
      this.#ticking = true;
      this.#tick(tickMs)
        .catch((err) => this.#o.logger.error({ err }, 'keep-alive tick failed'))
        .finally(() => {
          this.#ticking = false;
        });
    }, tickMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The last ping round trip of a binding in ms, if one was answered. */
  pingTimeMs(b: Pick<StoredBinding, 'aor' | 'key'>): number | undefined {
    return this.#times.get(`${b.aor}\n${b.key}`);
  }

  #filter(nowSec: number): ListFilter {
    const f: ListFilter = { profile: this.#o.profileName, unexpiredAt: nowSec };
    if (!this.#o.all) f.natted = true;
    return f;
  }

  /** Send the next slice of this round; start a new round when the last one is done. */
  async #tick(tickMs: number): Promise<void> {
    const nowSec = Math.floor((this.#o.now?.() ?? Date.now()) / 1000);
    const filter = this.#filter(nowSec);
    if (this.#cursor >= this.#roundSize) {
      this.#roundSize = await this.#o.store.count(filter);
      this.#cursor = 0;
      const ticks = Math.max(1, Math.floor(this.#o.intervalMs / tickMs));
      this.#perTick = Math.ceil(this.#roundSize / ticks);
      if (this.#roundSize === 0) return;
    }
    const room = Math.max(0, MAX_IN_FLIGHT - this.#inFlight);
    const limit = Math.min(this.#perTick, room);
    if (limit === 0) return;
    const slice = await this.#o.store.list({ ...filter, limit, offset: this.#cursor });
    this.#cursor += Math.max(limit, 1);
    for (const b of slice) this.ping(b);
  }

  /** Ping one binding now (also used by tests). */
  ping(b: StoredBinding): void {
    const id = `${b.aor}\n${b.key}`;
    if (this.#pending.has(id)) return;
    const hop = this.#o.hopFor(b);
    if (!hop) {
      this.#failed(b, 'no path');
      return;
    }
    const req = new SipRequest('OPTIONS', b.contactUri);
    const stack = this.#o.stack;
    req.addHeader('From', `<sip:mod_sofia@${hostForUri(stack.advertisedAddress)}:${stack.port}>;tag=${newTag()}`);
    req.addHeader('To', `<${b.contactUri}>`);
    req.addHeader('Call-ID', newCallId());
    req.addHeader('CSeq', '1 OPTIONS');
    req.addHeader('Content-Length', '0');
    const started = performance.now();
    this.#inFlight++;
    this.#pending.add(id);
    this.counters.sent++;
    let done = false;
    const finish = () => {
      if (done) return false;
      done = true;
      this.#inFlight--;
      this.#pending.delete(id);
      return true;
    };
    const user: ClientTransactionUser = {
      onResponse: (res: SipResponse) => {
        if (res.status < 200 || !finish()) return;
        this.#answered(b, performance.now() - started);
      },
      onTimeout: (_tx: ClientTransaction) => {
        if (finish()) this.#failed(b, 'timeout');
      },
      onTransportError: (_tx: ClientTransaction, err: Error) => {
        if (finish()) this.#failed(b, err.message);
      },
    };
    try {
      stack.sendRequest(req, hop, user);
    } catch (err) {
      if (finish()) this.#failed(b, (err as Error).message);
    }
  }

  #answered(b: StoredBinding, ms: number): void {
    this.counters.answered++;
    const k = `${b.aor}\n${b.key}`;
    this.#times.delete(k);
    if (this.#times.size >= MAX_TIMES) {
      const first = this.#times.keys().next();
      if (!first.done) this.#times.delete(first.value);
    }
    this.#times.set(k, ms);
    if (b.pingStatus !== 'Reachable' || b.pingFailures !== 0) {
      this.#record(b, 'Reachable', 0);
    }
  }

  #failed(b: StoredBinding, why: string): void {
    this.counters.failed++;
    const failures = b.pingFailures + 1;
    this.#o.logger.debug({ aor: b.aor, contact: b.contactUri, failures, why }, 'keep-alive OPTIONS failed');
    if (failures >= this.#o.maxFailures) {
      this.counters.dropped++;
      this.#times.delete(`${b.aor}\n${b.key}`);
      Promise.resolve(this.#o.onUnreachable({ ...b, pingStatus: 'Unreachable', pingFailures: failures })).catch((err) =>
        this.#o.logger.error({ err }, 'handling an unreachable binding failed'),
      );
      return;
    }
    this.#record(b, 'Unreachable', failures);
  }

  #record(b: StoredBinding, status: 'Reachable' | 'Unreachable', failures: number): void {
    Promise.resolve(this.#o.store.setPingStatus(b.aor, b.key, status, failures)).catch((err) =>
      this.#o.logger.error({ err }, 'cannot record ping status'),
    );
  }
}

function hostForUri(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
