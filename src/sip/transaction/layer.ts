// The transaction tables (RFC 3261 §17.1.3, §17.2.3): client transactions by branch + method,
// server transactions by branch + sent-by + method (ACK and CANCEL matched to their INVITE),
// a fallback key for RFC 2543 requests without the magic cookie, the accepted INVITEs waiting
// for the ACK of their 2xx, and the index that detects merged requests (§8.2.2.2).

import type { SipRequest, SipResponse } from '../message.js';
import { MAGIC_COOKIE } from '../ids.js';
import type { ClientTransaction } from './client.js';
import type { InviteServerTransaction, ServerTransaction } from './server.js';
import type { Transaction } from './transaction.js';

export class TransactionTable {
  readonly #clients = new Map<string, ClientTransaction>();
  readonly #servers = new Map<string, ServerTransaction>();
  readonly #accepted = new Map<string, InviteServerTransaction>();
  readonly #merge = new Map<string, string>();

  get clientCount(): number {
    return this.#clients.size;
  }

  get serverCount(): number {
    return this.#servers.size;
  }

  addClient(tx: ClientTransaction): void {
    this.#clients.set(tx.key, tx);
  }

  /** The client transaction a response belongs to: top Via branch + CSeq method (§17.1.3). */
  findClient(res: SipResponse): ClientTransaction | undefined {
    const branch = res.topVia?.branch;
    const method = res.cseq?.method;
    if (!branch || !method) return undefined;
    return this.#clients.get(clientKey(branch, method));
  }

  addServer(tx: ServerTransaction): void {
    this.#servers.set(tx.key, tx);
    const m = mergeKey(tx.request);
    tx.mergeKey = m;
    if (m) this.#merge.set(m, tx.key);
  }

  findServer(req: SipRequest): ServerTransaction | undefined {
    return this.#servers.get(serverKey(req));
  }

  /** The INVITE server transaction a CANCEL refers to (§9.2): same key with method INVITE. */
  findInviteFor(cancel: SipRequest): InviteServerTransaction | undefined {
    const tx = this.#servers.get(serverKey(cancel, 'INVITE'));
    return tx && tx.kind === 'ist' ? (tx as InviteServerTransaction) : undefined;
  }

  /**
   * §8.2.2.2 merged request: no To-tag, and From-tag + Call-ID + CSeq equal to an ongoing
   * transaction's while the transaction key differs (it came by another path).
   */
  isMerged(req: SipRequest): boolean {
    const m = mergeKey(req);
    if (!m) return false;
    const key = this.#merge.get(m);
    return key !== undefined && key !== serverKey(req) && this.#servers.has(key);
  }

  /** Remember an INVITE whose 2xx awaits an ACK. */
  addAccepted(tx: InviteServerTransaction): void {
    const key = ackKeyOf(tx.request);
    tx.ackKey = key;
    this.#accepted.set(key, tx);
  }

  findAccepted(ack: SipRequest): InviteServerTransaction | undefined {
    return this.#accepted.get(ackKeyOf(ack));
  }

  remove(tx: Transaction): void {
    if (tx.kind === 'ict' || tx.kind === 'nict') {
      if (this.#clients.get(tx.key) === tx) this.#clients.delete(tx.key);
      return;
    }
    if (this.#servers.get(tx.key) === tx) this.#servers.delete(tx.key);
    const m = tx.mergeKey;
    if (m && this.#merge.get(m) === tx.key) this.#merge.delete(m);
    if (tx.kind === 'ist') {
      const ist = tx as InviteServerTransaction;
      if (ist.ackKey && this.#accepted.get(ist.ackKey) === ist) this.#accepted.delete(ist.ackKey);
    }
  }

  /** Every live transaction (shutdown, tests). */
  all(): Transaction[] {
    return [...this.#clients.values(), ...this.#servers.values()];
  }
}

export function clientKey(branch: string, method: string): string {
  return `${branch}|${method === 'ACK' ? 'INVITE' : method}`;
}

/** §17.2.3: branch + sent-by + method, or the RFC 2543 fallback when the cookie is missing. */
export function serverKey(req: SipRequest, methodOverride?: string): string {
  const method = methodOverride ?? (req.method === 'ACK' ? 'INVITE' : req.method);
  const via = req.topVia;
  const branch = via?.branch;
  if (branch && branch.startsWith(MAGIC_COOKIE)) return `${branch}|${via!.sentBy}|${method}`;
  // RFC 2543: Request-URI, From tag, Call-ID, CSeq number, top Via (To tag left out: the ACK
  // carries the tag we added to our response, the INVITE had none).
  return `2543|${req.uri}|${req.fromTag ?? ''}|${req.callId}|${req.cseq?.seq ?? ''}|${via?.toString() ?? ''}|${method}`;
}

function mergeKey(req: SipRequest): string | undefined {
  if (req.method === 'ACK' || req.method === 'CANCEL' || req.toTag !== undefined) return undefined;
  return `${req.fromTag ?? ''}|${req.callId}|${req.cseq?.seq ?? ''}|${req.method}`;
}

function ackKeyOf(req: SipRequest): string {
  return `${req.callId}|${req.cseq?.seq ?? ''}|${req.fromTag ?? ''}`;
}
