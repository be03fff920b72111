// The two client transactions (RFC 3261 §17.1): INVITE (Timers A, B, D; RFC 6026 "accepted"
// with Timer M so retransmitted 2xx reach the TU) and non-INVITE (Timers E, F, K). The TU gets
// every response it should see, and one timeout or transport-error call at most.

import type { SipRequest, SipResponse } from '../message.js';
import { SipRequest as Request } from '../message.js';
import { Transaction, type Hop, type TransactionEnv, type TransactionEvent } from './transaction.js';

export interface ClientTransactionUser {
  /** Provisional and final responses (and, for INVITE, retransmitted or forked 2xx). */
  onResponse(response: SipResponse, tx: ClientTransaction): void;
  /** Timer B or F fired: no final response came. */
  onTimeout(tx: ClientTransaction): void;
  /** The request could not be sent. */
  onTransportError(tx: ClientTransaction, error: Error): void;
}

export type InviteClientState = 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated';
export type NonInviteClientState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export abstract class ClientTransaction extends Transaction {
  readonly user: ClientTransactionUser;
  protected bytes: Buffer | undefined;
  /** The last provisional or final status seen (0 before any). */
  lastStatus = 0;

  constructor(key: string, request: SipRequest, hop: Hop, env: TransactionEnv, user: ClientTransactionUser) {
    super(key, request, hop, env);
    this.user = user;
  }

  abstract start(): void;

  protected override released(): void {
    this.bytes = undefined;
  }

  protected transmit(): void {
    if (this.bytes) this.env.sendBytes(this.bytes, this.hop, (e) => this.handle({ type: 'transportError', error: e }));
    else this.bytes = this.env.send(this.request, this.hop, (e) => this.handle({ type: 'transportError', error: e }));
  }

  protected deliver(response: SipResponse): void {
    this.lastStatus = response.status;
    this.user.onResponse(response, this);
  }
}

export class InviteClientTransaction extends ClientTransaction {
  readonly kind = 'ict' as const;
  state: InviteClientState = 'calling';
  /** A CANCEL asked for before any provisional response: sent when one arrives (§9.1). */
  cancelPending: (() => void) | undefined;

  start(): void {
    this.transmit();
    if (!this.reliable) this.armRetransmit(this.env.timers.t1Ms); // Timer A
    this.armTimeout(64 * this.env.timers.t1Ms); // Timer B
  }

  handle(ev: TransactionEvent): void {
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        return this.#early(ev);
      case 'completed':
        if (ev.type === 'response' && ev.response.status >= 300) this.#sendAck(ev.response); // retransmitted final
        else if (ev.type === 'timeout') this.setState('terminated', 'Timer D');
        return;
      case 'accepted':
        // RFC 6026 §8.4: 2xx retransmissions (and forked 2xx) go to the TU, which ACKs them.
        if (ev.type === 'response' && ev.response.status >= 200 && ev.response.status < 300) this.deliver(ev.response);
        else if (ev.type === 'timeout') this.setState('terminated', 'Timer M');
        return;
      case 'terminated':
        return;
    }
  }

  #early(ev: TransactionEvent): void {
    const t = this.env.timers;
    switch (ev.type) {
      case 'retransmit':
        if (this.state !== 'calling') return;
        this.transmit();
        this.armRetransmit(this.interval * 2); // Timer A doubles, no cap for INVITE
        return;
      case 'timeout':
        this.setState('terminated', 'Timer B');
        this.user.onTimeout(this);
        return;
      case 'transportError':
        this.setState('terminated', 'transport error');
        this.user.onTransportError(this, ev.error);
        return;
      case 'response': {
        const status = ev.response.status;
        if (status < 200) {
          if (this.state === 'calling') {
            this.stopRetransmit();
            // In Proceeding the RFC runs no timer; a pending CANCEL bounds the wait (§9.1).
            this.armTimeout(4 * 60 * 60 * 1000);
            this.setState('proceeding', `${status}`);
            const cancel = this.cancelPending;
            this.cancelPending = undefined;
            cancel?.();
          }
          this.deliver(ev.response);
        } else if (status < 300) {
          this.stopRetransmit();
          this.armTimeout(64 * t.t1Ms); // Timer M
          this.setState('accepted', `${status}`);
          this.deliver(ev.response);
        } else {
          this.stopRetransmit();
          this.#sendAck(ev.response);
          this.armTimeout(this.reliable ? 0 : 32_000); // Timer D
          this.setState('completed', `${status}`);
          this.deliver(ev.response);
        }
        return;
      }
      default:
        return;
    }
  }

  /** Bound the wait for a final answer once a CANCEL is out (§9.1: 64*T1). */
  cancelSent(): void {
    if (this.state === 'calling' || this.state === 'proceeding') this.armTimeout(64 * this.env.timers.t1Ms);
  }

  /** ACK for a non-2xx final response (§17.1.1.3): same branch, To from the response. */
  #sendAck(response: SipResponse): void {
    const req = this.request;
    const ack = new Request('ACK', req.uri);
    const via = req.headers.find((h) => h.name === 'via');
    if (via) ack.headers.push({ name: 'via', written: via.written, value: firstListValue(via.value) });
    for (const h of req.headers) {
      if (h.name === 'from' || h.name === 'call-id' || h.name === 'route' || h.name === 'max-forwards') {
        ack.headers.push({ name: h.name, written: h.written, value: h.value });
      }
    }
    const to = response.get('to');
    if (to !== undefined) ack.addHeader('To', to);
    ack.addHeader('CSeq', `${req.cseq?.seq ?? 1} ACK`);
    ack.addHeader('Content-Length', '0');
    this.env.send(ack, this.hop);
  }
}

export class NonInviteClientTransaction extends ClientTransaction {
  readonly kind = 'nict' as const;
  state: NonInviteClientState = 'trying';

  start(): void {
    this.transmit();
    if (!this.reliable) this.armRetransmit(this.env.timers.t1Ms); // Timer E
    this.armTimeout(64 * this.env.timers.t1Ms); // Timer F
  }

  handle(ev: TransactionEvent): void {
    const t = this.env.timers;
    if (this.state === 'terminated') return;
    if (this.state === 'completed') {
      if (ev.type === 'timeout') this.setState('terminated', 'Timer K');
      return; // retransmitted responses are absorbed
    }
    switch (ev.type) {
      case 'retransmit':
        this.transmit();
        // Timer E: doubles up to T2 in Trying, stays at T2 in Proceeding.
        this.armRetransmit(this.state === 'trying' ? Math.min(this.interval * 2, t.t2Ms) : t.t2Ms);
        return;
      case 'timeout':
        this.setState('terminated', 'Timer F');
        this.user.onTimeout(this);
        return;
      case 'transportError':
        this.setState('terminated', 'transport error');
        this.user.onTransportError(this, ev.error);
        return;
      case 'response': {
        const status = ev.response.status;
        if (status < 200) {
          this.setState('proceeding', `${status}`);
          this.deliver(ev.response);
        } else {
          this.stopRetransmit();
          this.armTimeout(this.reliable ? 0 : t.t4Ms); // Timer K
          this.setState('completed', `${status}`);
          this.deliver(ev.response);
        }
        return;
      }
      default:
        return;
    }
  }
}

function firstListValue(value: string): string {
  // The top Via may share a line with others ("v1, v2"): the ACK carries only the first.
  let inQuote = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"') inQuote = !inQuote;
    else if (c === ',' && !inQuote) return value.slice(0, i).trim();
  }
  return value;
}
