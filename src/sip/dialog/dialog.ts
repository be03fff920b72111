// A SIP dialog (RFC 3261 §12): identity { Call-ID, local tag, remote tag }, each party's URI and
// CSeq, the remote target and the route set. It builds in-dialog requests (§12.2.1.1: BYE,
// re-INVITE, REFER, NOTIFY, INFO, and the ACK for a 2xx) and checks incoming ones (§12.2.2:
// CSeq order, target refresh). INVITE sessions, subscriptions and REFER are usages that sit
// on a dialog; this class knows none of them.

import { SipRequest, type SipResponse } from '../message.js';
import { parseNameAddr, type NameAddr } from '../header-values.js';
import { SipUri } from '../uri.js';
import { newBranch } from '../ids.js';

export type DialogState = 'early' | 'confirmed' | 'terminated';

export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}|${localTag}|${remoteTag}`;
}

export class Dialog {
  readonly callId: string;
  readonly localTag: string;
  remoteTag: string;
  state: DialogState;
  /** From/To header values for our requests, without tags (`"Name" <sip:…>`). */
  readonly localUri: string;
  readonly remoteUri: string;
  localSeq: number;
  remoteSeq: number | undefined;
  /** Where in-dialog requests go (the peer's Contact URI). */
  remoteTarget: string;
  /** Record-Route values in the order our requests must carry them. */
  routeSet: string[];
  /** Our Contact header value for this dialog. */
  localContact: string;
  readonly secure: boolean;
  /** True for the dialog created by a request we received. */
  readonly isUas: boolean;

  private constructor(init: {
    callId: string; localTag: string; remoteTag: string; state: DialogState; localUri: string; remoteUri: string;
    localSeq: number; remoteSeq: number | undefined; remoteTarget: string; routeSet: string[]; localContact: string; secure: boolean; isUas: boolean;
  }) {
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.state = init.state;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localContact = init.localContact;
    this.secure = init.secure;
    this.isUas = init.isUas;
  }

  get key(): string {
    return dialogKey(this.callId, this.localTag, this.remoteTag);
  }

  get id(): DialogId {
    return { callId: this.callId, localTag: this.localTag, remoteTag: this.remoteTag };
  }

  /**
   * §12.1.1: the dialog a UAS gets by answering `req` with `res` (a 2xx, or a 1xx with a
   * To-tag for an early dialog). `localContact` is the Contact we put in the response.
   */
  static asUas(req: SipRequest, res: SipResponse, localContact: string): Dialog {
    const localTag = res.toTag;
    if (!localTag) throw new Error('response has no To tag');
    return new Dialog({
      callId: req.callId,
      localTag,
      remoteTag: req.fromTag ?? '',
      state: res.status >= 200 ? 'confirmed' : 'early',
      localUri: withoutTag(req.get('to') ?? ''),
      remoteUri: withoutTag(req.get('from') ?? ''),
      localSeq: Math.floor(Math.random() * 10000) + 1,
      remoteSeq: req.cseq?.seq,
      remoteTarget: req.contact?.uri ?? req.from?.uri ?? '',
      routeSet: req.getAll('record-route'),
      localContact,
      secure: req.uri.toLowerCase().startsWith('sips:'),
      isUas: true,
    });
  }

  /** §12.1.2: the dialog a UAC gets from a response (2xx, or 1xx with a To-tag) to `req`. */
  static asUac(req: SipRequest, res: SipResponse, localContact: string): Dialog {
    const remoteTag = res.toTag;
    if (!remoteTag) throw new Error('response has no To tag');
    return new Dialog({
      callId: req.callId,
      localTag: req.fromTag ?? '',
      remoteTag,
      state: res.status >= 200 ? 'confirmed' : 'early',
      localUri: withoutTag(req.get('from') ?? ''),
      remoteUri: withoutTag(req.get('to') ?? ''),
      localSeq: req.cseq?.seq ?? 1,
      remoteSeq: undefined,
      remoteTarget: res.contact?.uri ?? req.uri,
      routeSet: res.getAll('record-route').reverse(),
      localContact,
      secure: req.uri.toLowerCase().startsWith('sips:'),
      isUas: false,
    });
  }

  /**
   * A response on the UAC side moves an early dialog to confirmed (2xx) and refreshes the
   * remote target; the route set is fixed once confirmed (§12.2.1.2, §13.2.2.4).
   */
  updateFromResponse(res: SipResponse): void {
    const contact = res.contact?.uri;
    if (contact) this.remoteTarget = contact;
    if (this.state === 'early') {
      if (!this.isUas) this.routeSet = res.getAll('record-route').reverse();
      if (res.status >= 200 && res.status < 300) this.state = 'confirmed';
    }
  }

  /** Move an early UAS dialog to confirmed when we send our 2xx. */
  confirm(): void {
    if (this.state === 'early') this.state = 'confirmed';
  }

  /**
   * §12.2.2: accept an in-dialog request or say which status refuses it. A CSeq lower than
   * the last one is out of order (500); equal is a retransmission the transactions absorb.
   */
  receiveRequest(req: SipRequest): { ok: true } | { ok: false; status: number; reason: string } {
    const seq = req.cseq?.seq ?? 0;
    if (req.method !== 'ACK' && req.method !== 'CANCEL') {
      if (this.remoteSeq !== undefined && seq < this.remoteSeq) {
        return { ok: false, status: 500, reason: 'CSeq Out Of Order' };
      }
      this.remoteSeq = seq;
    }
    // Target refresh (§12.2.2): re-INVITE and UPDATE may change the remote target.
    if (req.method === 'INVITE' || req.method === 'UPDATE') {
      const c = req.contact?.uri;
      if (c) this.remoteTarget = c;
    }
    return { ok: true };
  }

  /**
   * §12.2.1.1: a new in-dialog request. CSeq is the next local number (ACK and CANCEL take
   * the caller-provided one). The Via is left to the stack that sends it.
   */
  createRequest(method: string, opts: { cseq?: number; headers?: Array<[string, string]>; body?: Buffer | string; contentType?: string } = {}): SipRequest {
    let seq: number;
    if (method === 'ACK' || method === 'CANCEL') seq = opts.cseq ?? this.localSeq;
    else {
      this.localSeq += 1;
      seq = this.localSeq;
    }
    const { requestUri, routes } = this.#routing();
    const req = new SipRequest(method, requestUri);
    req.addHeader('Via', `SIP/2.0/UDP 0.0.0.0;branch=${newBranch()}`); // the stack fills in sent-by
    req.addHeader('Max-Forwards', '70');
    for (const r of routes) req.addHeader('Route', r);
    req.addHeader('From', `${this.localUri};tag=${this.localTag}`);
    req.addHeader('To', `${this.remoteUri};tag=${this.remoteTag}`);
    req.addHeader('Call-ID', this.callId);
    req.addHeader('CSeq', `${seq} ${method}`);
    if (method !== 'ACK' && method !== 'CANCEL' && method !== 'BYE') req.addHeader('Contact', this.localContact);
    if (opts.headers) for (const [n, v] of opts.headers) req.addHeader(n, v);
    if (opts.body !== undefined) req.setBody(opts.body, opts.contentType);
    else req.setHeader('Content-Length', '0');
    return req;
  }

  /** The URI of the next hop: the first route (loose or strict) or the remote target. */
  nextHopUri(): string {
    if (this.routeSet.length > 0) {
      const first = parseNameAddr(this.routeSet[0]!);
      if (first) return first.uri;
    }
    return this.remoteTarget;
  }

  #routing(): { requestUri: string; routes: string[] } {
    if (this.routeSet.length === 0) return { requestUri: this.remoteTarget, routes: [] };
    const first = parseNameAddr(this.routeSet[0]!);
    const firstUri = first?.parsedUri;
    if (first && firstUri instanceof SipUri && !firstUri.params.has('lr')) {
      // Strict router (§12.2.1.1): it goes in the Request-URI, the remote target last in Route.
      const uri = firstUri.clone();
      uri.params.delete('method');
      return { requestUri: uri.toString(), routes: [...this.routeSet.slice(1), `<${this.remoteTarget}>`] };
    }
    return { requestUri: this.remoteTarget, routes: [...this.routeSet] };
  }

  terminate(): void {
    this.state = 'terminated';
  }
}

/** A From/To value without its tag parameter. */
export function withoutTag(value: string): string {
  const na: NameAddr | undefined = parseNameAddr(value);
  if (!na) return value;
  if (!na.params.has('tag')) return value.trim();
  const copy = na.clone();
  copy.params.delete('tag');
  return copy.toString();
}
