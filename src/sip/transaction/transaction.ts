// What the four transaction state machines (RFC 3261 §17, RFC 6026) share: a state with the
// RFC's names, one `handle(event)` entry point, exactly two timers ("retransmit" and
// "timeout") re-armed on state changes, the bytes of the last message sent (retransmissions
// re-send them without serialising again), and the environment the layer provides.

import type { Logger } from '../../common/index.js';
import { SipRequest, type SipMessage, type SipResponse } from '../message.js';

/** What a released transaction's `request` returns. */
const RELEASED = new SipRequest('RELEASED', '');
import type { TransportProtocol, SendTarget } from '../transport/transport.js';

export interface TimerConfig {
  /** RTT estimate (RFC 3261: 500 ms). */
  readonly t1Ms: number;
  /** Longest retransmit interval for non-INVITE requests and INVITE responses (4 s). */
  readonly t2Ms: number;
  /** Longest time a message stays in the network (5 s). */
  readonly t4Ms: number;
}

export const DEFAULT_TIMERS: TimerConfig = { t1Ms: 500, t2Ms: 4000, t4Ms: 5000 };

/** A destination with its protocol: where a transaction sends. */
export interface Hop extends SendTarget {
  readonly protocol: TransportProtocol;
}

/** Provided by the transaction layer to each transaction. */
export interface TransactionEnv {
  readonly timers: TimerConfig;
  readonly logger: Logger;
  send(msg: SipMessage, hop: Hop, onError?: (err: Error) => void): Buffer;
  sendBytes(bytes: Buffer, hop: Hop, onError?: (err: Error) => void): void;
  terminated(tx: Transaction): void;
}

export type TransactionEvent =
  | { type: 'request'; request: SipRequest }
  | { type: 'response'; response: SipResponse }
  | { type: 'retransmit' }
  | { type: 'timeout' }
  | { type: 'transportError'; error: Error };

export abstract class Transaction {
  abstract readonly kind: 'ict' | 'nict' | 'ist' | 'nist';
  abstract state: string;
  readonly key: string;
  readonly hop: Hop;
  /** The merged-request index key (§8.2.2.2), kept after the request itself is released. */
  mergeKey: string | undefined;
  #request: SipRequest;
  protected readonly env: TransactionEnv;
  /** Current retransmit interval (Timers A, E, G). */
  protected interval = 0;
  #retransmitTimer: NodeJS.Timeout | undefined;
  #timeoutTimer: NodeJS.Timeout | undefined;

  constructor(key: string, request: SipRequest, hop: Hop, env: TransactionEnv) {
    this.key = key;
    this.#request = request;
    this.hop = hop;
    this.env = env;
  }

  /** The request that started the transaction (an empty stand-in once released). */
  get request(): SipRequest {
    return this.#request;
  }

  /**
   * Drop the parsed request once nothing needs it (a completed non-INVITE server transaction
   * only re-sends its response bytes), so thousands of transactions waiting out Timer J hold
   * a key and a few hundred bytes each, not a whole message.
   */
  protected releaseRequest(): void {
    this.#request = RELEASED;
  }

  /** Reliable transports do no retransmissions and use zero wait times (§17). */
  get reliable(): boolean {
    return this.hop.protocol !== 'udp';
  }

  get isTerminated(): boolean {
    return this.state === 'terminated';
  }

  abstract handle(event: TransactionEvent): void;

  protected setState(to: string, event: string): void {
    if (this.state === to) return;
    this.env.logger.debug({ tx: this.kind, key: this.key, from: this.state, to, event }, 'transaction state');
    this.state = to;
    if (to === 'terminated') {
      this.clearTimers();
      this.released();
      this.env.terminated(this);
    }
  }

  /**
   * Terminated: drop what only retransmissions needed (the bytes of the last message sent). A
   * call's legs keep their INVITE transaction for as long as the call lasts, and those bytes
   * are a kilobyte or more per leg, often pinning a whole 8 KiB buffer pool slab.
   */
  protected released(): void {}

  protected armRetransmit(ms: number): void {
    if (this.#retransmitTimer) clearTimeout(this.#retransmitTimer);
    this.interval = ms;
    this.#retransmitTimer = setTimeout(() => {
      this.#retransmitTimer = undefined;
      this.#safeHandle({ type: 'retransmit' });
    }, ms);
  }

  protected stopRetransmit(): void {
    if (this.#retransmitTimer) clearTimeout(this.#retransmitTimer);
    this.#retransmitTimer = undefined;
  }

  protected armTimeout(ms: number): void {
    if (this.#timeoutTimer) clearTimeout(this.#timeoutTimer);
    this.#timeoutTimer = setTimeout(() => {
      this.#timeoutTimer = undefined;
      this.#safeHandle({ type: 'timeout' });
    }, ms);
  }

  protected clearTimers(): void {
    this.stopRetransmit();
    if (this.#timeoutTimer) clearTimeout(this.#timeoutTimer);
    this.#timeoutTimer = undefined;
  }

  /** Timers fire outside any caller: nothing may escape from them. */
  #safeHandle(event: TransactionEvent): void {
    try {
      this.handle(event);
    } catch (err) {
      this.env.logger.error({ err, key: this.key }, 'transaction timer handler failed');
    }
  }

  /** For tests and `dump()`-style introspection. */
  dump(): { kind: string; state: string; key: string; interval: number } {
    return { kind: this.kind, state: this.state, key: this.key, interval: this.interval };
  }
}
