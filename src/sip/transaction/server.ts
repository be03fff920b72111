// The two server transactions (RFC 3261 §17.2): INVITE (100 Trying at once; Timers G, H, I;
// RFC 6026 "accepted" with Timer L, in which we also retransmit our 2xx until the ACK comes)
// and non-INVITE (Timer J). Retransmitted requests are absorbed and the last response is sent
// again; the TU sees each request once.

import type { SipRequest, SipResponse } from '../message.js';
import { createResponse } from '../response.js';
import { Transaction, type TransactionEvent } from './transaction.js';

export interface ServerTransactionUser {
  /** CANCEL matched this INVITE while it had no final response (§9.2). 487 follows. */
  onCancel?(tx: InviteServerTransaction, cancel: SipRequest): void;
  /** The ACK for our 2xx arrived (its own transaction-less request). */
  onAck?(tx: InviteServerTransaction, ack: SipRequest): void;
  /** No ACK came for our final response (Timer H, or Timer L after a 2xx). */
  onTimeout?(tx: ServerTransaction): void;
  /** A response could not be sent. */
  onTransportError?(tx: ServerTransaction, error: Error): void;
}

export type InviteServerState = 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';
export type NonInviteServerState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export abstract class ServerTransaction extends Transaction {
  user: ServerTransactionUser | undefined;
  /** The final response sent, if any (INVITE transactions keep it for their ACK). */
  finalResponse: SipResponse | undefined;
  /** Status of the final response sent, 0 before. */
  finalStatus = 0;
  protected lastBytes: Buffer | undefined;

  /** Send a response through this transaction. Responses after the final one are ignored. */
  abstract respond(response: SipResponse): void;

  /** Convenience: build and send a response to the transaction's request. */
  reply(status: number, opts?: Parameters<typeof createResponse>[2]): SipResponse {
    const res = createResponse(this.request, status, opts);
    this.respond(res);
    return res;
  }

  /**
   * End the transaction now that its final response is out, instead of waiting out Timer J
   * (or H): for answers that are cheap to give again, such as a digest challenge. A
   * retransmitted request then gets a fresh answer, which is what a stateless UAS does
   * (RFC 3261 §8.2.7). Under a flood of unauthenticated requests nothing piles up.
   */
  forget(): void {
    if (this.finalStatus === 0 || this.isTerminated) return;
    this.setState('terminated', 'forgotten');
  }

  protected sendResponse(response: SipResponse): void {
    this.lastBytes = this.env.send(response, this.hop, (e) => this.handle({ type: 'transportError', error: e }));
  }

  protected override released(): void {
    this.lastBytes = undefined;
  }

  protected resend(): void {
    if (this.lastBytes) this.env.sendBytes(this.lastBytes, this.hop);
  }

  protected transportFailed(error: Error): void {
    this.setState('terminated', 'transport error');
    this.user?.onTransportError?.(this, error);
  }
}

export class InviteServerTransaction extends ServerTransaction {
  readonly kind = 'ist' as const;
  state: InviteServerState = 'proceeding';
  /** Key under which the layer finds this transaction for the 2xx's ACK. */
  ackKey: string | undefined;
  /**
   * The To tag of the responses sent so far: §8.2.6.2, the same tag for every response to
   * the request but 100; §9.2, the 200 to a CANCEL SHOULD carry it too.
   */
  toTag: string | undefined;
  #ackReceived = false;

  /** §17.2.1: answer 100 Trying at once so the client stops retransmitting. */
  start(): void {
    this.respond(createResponse(this.request, 100));
  }

  get ackReceived(): boolean {
    return this.#ackReceived;
  }

  respond(response: SipResponse): void {
    const status = response.status;
    const t = this.env.timers;
    if (this.state === 'accepted' && status >= 200 && status < 300) {
      this.sendResponse(response); // the TU re-sending its 2xx
      return;
    }
    if (this.state !== 'proceeding') return;
    if (status > 100) this.toTag ??= response.toTag;
    if (status < 200) {
      this.sendResponse(response);
      return;
    }
    this.finalResponse = response;
    this.finalStatus = status;
    this.sendResponse(response);
    if (status < 300) {
      // RFC 6026 Accepted: keep the 2xx going until the ACK (§13.3.1.4), absorb retransmitted INVITEs.
      if (!this.reliable) this.armRetransmit(t.t1Ms);
      this.armTimeout(64 * t.t1Ms); // Timer L
      this.setState('accepted', `${status}`);
    } else {
      if (!this.reliable) this.armRetransmit(t.t1Ms); // Timer G
      this.armTimeout(64 * t.t1Ms); // Timer H
      this.setState('completed', `${status}`);
    }
  }

  /** CANCEL for this INVITE: the TU hears of it, then 487 ends the INVITE if still open. */
  cancel(cancel: SipRequest): void {
    if (this.state !== 'proceeding') return;
    this.user?.onCancel?.(this, cancel);
    if (this.state === 'proceeding') this.respond(createResponse(this.request, 487, { toTag: this.toTag }));
  }

  /** The ACK for our 2xx, matched by the layer through `ackKey`. */
  acknowledge(ack: SipRequest): void {
    if (this.state !== 'accepted') return;
    this.stopRetransmit();
    if (!this.#ackReceived) {
      this.#ackReceived = true;
      this.user?.onAck?.(this, ack);
    }
  }

  handle(ev: TransactionEvent): void {
    const t = this.env.timers;
    switch (this.state) {
      case 'proceeding':
        if (ev.type === 'request' && ev.request.method === 'INVITE') this.resend();
        else if (ev.type === 'transportError') this.transportFailed(ev.error);
        return;
      case 'completed':
        if (ev.type === 'request') {
          if (ev.request.method === 'ACK') {
            this.stopRetransmit();
            this.armTimeout(this.reliable ? 0 : t.t4Ms); // Timer I
            this.setState('confirmed', 'ACK');
          } else this.resend();
        } else if (ev.type === 'retransmit') {
          this.resend();
          this.armRetransmit(Math.min(this.interval * 2, t.t2Ms)); // Timer G
        } else if (ev.type === 'timeout') {
          this.setState('terminated', 'Timer H');
          this.user?.onTimeout?.(this);
        } else if (ev.type === 'transportError') this.transportFailed(ev.error);
        return;
      case 'confirmed':
        if (ev.type === 'timeout') this.setState('terminated', 'Timer I');
        return; // further ACKs absorbed
      case 'accepted':
        if (ev.type === 'request' && ev.request.method === 'INVITE') this.resend();
        else if (ev.type === 'retransmit') {
          this.resend();
          this.armRetransmit(Math.min(this.interval * 2, t.t2Ms));
        } else if (ev.type === 'timeout') {
          const acked = this.#ackReceived;
          this.setState('terminated', 'Timer L');
          if (!acked) this.user?.onTimeout?.(this);
        } else if (ev.type === 'transportError') this.transportFailed(ev.error);
        return;
      case 'terminated':
        return;
    }
  }
}

export class NonInviteServerTransaction extends ServerTransaction {
  readonly kind = 'nist' as const;
  state: NonInviteServerState = 'trying';

  respond(response: SipResponse): void {
    if (this.state === 'completed' || this.state === 'terminated') return;
    if (response.status < 200) {
      this.sendResponse(response);
      this.setState('proceeding', `${response.status}`);
      return;
    }
    this.finalStatus = response.status;
    this.sendResponse(response);
    this.armTimeout(this.reliable ? 0 : 64 * this.env.timers.t1Ms); // Timer J
    this.setState('completed', `${response.status}`);
    // Retransmissions only need the response bytes from here on.
    this.releaseRequest();
  }

  handle(ev: TransactionEvent): void {
    switch (this.state) {
      case 'trying':
        if (ev.type === 'transportError') this.transportFailed(ev.error);
        return; // retransmissions discarded until the TU answers
      case 'proceeding':
      case 'completed':
        if (ev.type === 'request') this.resend();
        else if (ev.type === 'timeout') this.setState('terminated', 'Timer J');
        else if (ev.type === 'transportError') this.transportFailed(ev.error);
        return;
      case 'terminated':
        return;
    }
  }
}
