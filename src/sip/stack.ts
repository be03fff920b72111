// One SIP stack instance (a "profile" in FreeSWITCH's words): its transports on one address
// and port, the transaction tables, the dialogs in use and the request routing between them.
//
// For each request received: parse and validate (400 with a reason), stamp the top Via with
// received/rport (RFC 3581, §18.2.1), absorb retransmissions, match ACK and CANCEL (§9.2),
// detect merged requests (482), check Max-Forwards (483), Require (420) and the URI scheme
// (416), send in-dialog requests to their dialog (481 when none), answer OPTIONS statelessly,
// and hand everything else to the handler registered for its method (405/501 when none).
// Responses go back by §18.2.2 and RFC 3581: same connection for streams, else the packet's
// source address (never an address taken from the message, except the Via port).

import { isIP } from 'node:net';
import type { Logger } from '../common/index.js';
import { SipParseError } from './errors.js';
import { SipRequest, SipResponse, type MessageSource, type SipMessage } from './message.js';
import { parseMessage, validateRequest, validateResponse, type ParseLimits } from './parser.js';
import { serialize } from './serializer.js';
import { createResponse } from './response.js';
import { newBranch, MAGIC_COOKIE } from './ids.js';
import { SipUri, TelUri, parseUri } from './uri.js';
import { SipTrace } from './trace.js';
import { UdpTransport } from './transport/udp.js';
import { TcpTransport } from './transport/tcp.js';
import type { Transport, TransportProtocol, TransportReceiver } from './transport/transport.js';
import { DEFAULT_TIMERS, type Hop, type TimerConfig, type TransactionEnv, type Transaction } from './transaction/transaction.js';
import { InviteClientTransaction, NonInviteClientTransaction, type ClientTransaction, type ClientTransactionUser } from './transaction/client.js';
import { InviteServerTransaction, NonInviteServerTransaction, type ServerTransaction } from './transaction/server.js';
import { TransactionTable, clientKey, serverKey } from './transaction/layer.js';
import { dialogKey, type Dialog } from './dialog/dialog.js';

/** Handles out-of-dialog requests of one method. `tx` is the server transaction to answer on. */
export type RequestHandler = (req: SipRequest, tx: ServerTransaction) => void;

/** What a dialog's owner provides to receive the in-dialog requests of that dialog. */
export interface DialogUser {
  /** An in-dialog request (ACK for a 2xx comes with `tx` undefined). */
  onDialogRequest(req: SipRequest, tx: ServerTransaction | undefined, dialog: Dialog): void;
}

export interface SipStackOptions {
  /** Profile name, used in traces and logs. */
  profile: string;
  /** Address to bind (sip-ip). */
  address: string;
  /** Port to bind (sip-port); 0 picks a free one (tests). */
  port: number;
  transports?: TransportProtocol[];
  /** Address written into Via/Contact when it differs from the bound one (ext-sip-ip). */
  advertisedAddress?: string;
  userAgent?: string;
  timers?: Partial<TimerConfig>;
  limits?: ParseLimits;
  /** Option tags we support (Supported header; anything else in Require gets 420). */
  supported?: string[];
  /** Body types we accept (Accept header of OPTIONS, 415 checks by the TU). */
  accept?: string[];
  trace?: SipTrace;
  logger: Logger;
  tcp?: { messageTimeoutMs?: number; idleTimeoutMs?: number; outboundIdleTimeoutMs?: number; maxConnections?: number };
}

export interface StackCounters {
  received: number;
  sent: number;
  parseErrors: number;
  requestsIn: number;
  responsesIn: number;
  strayResponses: number;
  retransmissionsAbsorbed: number;
}

/** Methods we know as SIP methods: when not handled they get 405, unknown ones 501. */
const KNOWN_METHODS = new Set(['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'INFO', 'UPDATE', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'MESSAGE', 'REFER']);
/** Requests that end here: Max-Forwards 0 does not stop them (RFC 4475 zeromf). */
const TERMINATING_METHODS = new Set(['OPTIONS', 'REGISTER', 'ACK', 'CANCEL']);

export class SipStack implements TransportReceiver {
  readonly profile: string;
  readonly trace: SipTrace;
  readonly timers: TimerConfig;
  readonly counters: StackCounters = {
    received: 0, sent: 0, parseErrors: 0, requestsIn: 0, responsesIn: 0, strayResponses: 0, retransmissionsAbsorbed: 0,
  };
  readonly #opts: SipStackOptions;
  readonly #log: Logger;
  readonly #transactions = new TransactionTable();
  readonly #handlers = new Map<string, RequestHandler>();
  readonly #dialogs = new Map<string, { dialog: Dialog; user: DialogUser }>();
  readonly #connectionListeners = new Set<(connectionId: string) => void>();
  readonly #env: TransactionEnv;
  #udp: UdpTransport | undefined;
  #tcp: TcpTransport | undefined;
  #port = 0;
  #running = false;

  constructor(opts: SipStackOptions) {
    this.#opts = opts;
    this.profile = opts.profile;
    this.#log = opts.logger;
    this.trace = opts.trace ?? new SipTrace();
    this.timers = { ...DEFAULT_TIMERS, ...opts.timers };
    this.#env = {
      timers: this.timers,
      logger: this.#log,
      send: (msg, hop, onError) => this.#sendMessage(msg, hop, onError),
      sendBytes: (bytes, hop, onError) => this.#sendBytes(bytes, hop, onError),
      terminated: (tx) => this.#transactions.remove(tx),
    };
  }

  // ---- lifecycle ------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.#running) return;
    const protocols = this.#opts.transports ?? ['udp', 'tcp'];
    const common = { address: this.#opts.address, receiver: this, trace: this.trace, profile: this.profile, logger: this.#log };
    // With port 0 both transports must end up on the same number: bind UDP first, then TCP on
    // its port, retrying with a new UDP port if TCP's is taken.
    for (let attempt = 0; ; attempt++) {
      let port = this.#opts.port;
      try {
        if (protocols.includes('udp')) {
          this.#udp = await UdpTransport.listen({ ...common, port });
          port = this.#udp.localPort;
        }
        if (protocols.includes('tcp')) {
          this.#tcp = await TcpTransport.listen({ ...common, port, maxMessageBytes: this.#opts.limits?.maxMessageBytes, ...this.#opts.tcp });
          port = this.#tcp.localPort;
        }
        this.#port = port;
        break;
      } catch (err) {
        await this.#udp?.close();
        await this.#tcp?.close();
        this.#udp = undefined;
        this.#tcp = undefined;
        if (this.#opts.port !== 0 || attempt >= 10) throw err;
      }
    }
    this.#running = true;
    this.#log.info({ address: this.#opts.address, port: this.#port, transports: protocols }, 'sip profile listening');
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    for (const tx of this.#transactions.all()) {
      (tx as unknown as { clearTimers(): void }).clearTimers();
      this.#transactions.remove(tx);
    }
    await this.#udp?.close();
    await this.#tcp?.close();
  }

  get port(): number {
    return this.#port;
  }

  get address(): string {
    return this.#opts.address;
  }

  /** The address phones should see in our Via and Contact. */
  get advertisedAddress(): string {
    return this.#opts.advertisedAddress ?? this.#opts.address;
  }

  get userAgent(): string {
    return this.#opts.userAgent ?? 'softswitch';
  }

  get transportsEnabled(): TransportProtocol[] {
    const out: TransportProtocol[] = [];
    if (this.#udp) out.push('udp');
    if (this.#tcp) out.push('tcp');
    return out;
  }

  get transactionCounts(): { client: number; server: number } {
    return { client: this.#transactions.clientCount, server: this.#transactions.serverCount };
  }

  get dialogCount(): number {
    return this.#dialogs.size;
  }

  /** Methods handled for out-of-dialog requests, plus what the stack itself answers. */
  get allowedMethods(): string[] {
    const set = new Set(['OPTIONS', 'ACK', 'CANCEL', 'BYE', ...this.#handlers.keys()]);
    return [...set];
  }

  // ---- registration by upper layers -------------------------------------------------------

  /** Handle out-of-dialog requests of `method` (REGISTER, INVITE, …). */
  route(method: string, handler: RequestHandler): void {
    this.#handlers.set(method.toUpperCase(), handler);
  }

  addDialog(dialog: Dialog, user: DialogUser): void {
    this.#dialogs.set(dialog.key, { dialog, user });
  }

  /** Re-key a dialog whose remote tag became known or changed (early dialogs). */
  rekeyDialog(oldKey: string, dialog: Dialog): void {
    const entry = this.#dialogs.get(oldKey);
    if (!entry) return;
    this.#dialogs.delete(oldKey);
    this.#dialogs.set(dialog.key, entry);
  }

  removeDialog(dialog: Dialog): void {
    const entry = this.#dialogs.get(dialog.key);
    if (entry && entry.dialog === dialog) this.#dialogs.delete(dialog.key);
  }

  findDialog(callId: string, localTag: string, remoteTag: string): Dialog | undefined {
    return this.#dialogs.get(dialogKey(callId, localTag, remoteTag))?.dialog;
  }

  /** A dialog and its owner (REFER with Replaces, INVITE with Replaces find the leg this way). */
  findDialogEntry(callId: string, localTag: string, remoteTag: string): { dialog: Dialog; user: DialogUser } | undefined {
    return this.#dialogs.get(dialogKey(callId, localTag, remoteTag));
  }

  /** Be told when a stream connection closes (registrations bound to it). */
  watchConnections(listener: (connectionId: string) => void): () => void {
    this.#connectionListeners.add(listener);
    return () => this.#connectionListeners.delete(listener);
  }

  hasConnection(connectionId: string): boolean {
    return this.#tcp?.hasConnection(connectionId) ?? false;
  }

  // ---- sending --------------------------------------------------------------------------

  /**
   * Send a request in a new client transaction. The stack writes the top Via (sent-by,
   * transport, a fresh branch unless one with the magic cookie is there, rport) and adds
   * Max-Forwards and User-Agent when missing.
   */
  sendRequest(req: SipRequest, hop: Hop, user: ClientTransactionUser): ClientTransaction {
    this.#prepareRequest(req, hop);
    const branch = req.topVia!.branch!;
    const key = clientKey(branch, req.method);
    const tx = req.method === 'INVITE'
      ? new InviteClientTransaction(key, req, hop, this.#env, user)
      : new NonInviteClientTransaction(key, req, hop, this.#env, user);
    this.#transactions.addClient(tx);
    tx.start();
    return tx;
  }

  /** CANCEL a pending INVITE (§9.1): sent now if a provisional response came, else after one. */
  cancel(invite: InviteClientTransaction, reason?: string, user?: ClientTransactionUser): void {
    const send = () => {
      if (invite.state !== 'proceeding') return;
      const req = invite.request;
      const cancel = new SipRequest('CANCEL', req.uri);
      const via = req.topVia!;
      cancel.addHeader('Via', via.toString());
      for (const h of req.headers) {
        if (h.name === 'route' || h.name === 'from' || h.name === 'to' || h.name === 'call-id' || h.name === 'max-forwards') {
          cancel.headers.push({ name: h.name, written: h.written, value: h.value });
        }
      }
      cancel.addHeader('CSeq', `${req.cseq?.seq ?? 1} CANCEL`);
      if (reason) cancel.addHeader('Reason', reason);
      this.sendRequest(cancel, invite.hop, user ?? NOOP_CLIENT_USER);
      invite.cancelSent();
    };
    if (invite.state === 'calling') invite.cancelPending = send;
    else send();
  }

  /** Send a request outside any transaction (the ACK for a 2xx, §13.2.2.4). */
  sendStateless(msg: SipMessage, hop: Hop): void {
    if (msg.kind === 'request') this.#prepareRequest(msg, hop);
    this.#sendMessage(msg, hop);
  }

  /** Answer a request outside any transaction (stateless UAS behaviour, §8.2.7). */
  respondStateless(req: SipRequest, res: SipResponse): void {
    const hop = this.responseHop(req);
    if (hop) this.#sendMessage(res, hop);
  }

  /** Where responses to `req` go (§18.2.2 with RFC 3581). */
  responseHop(req: SipRequest): Hop | undefined {
    const src = req.source;
    if (!src) return undefined;
    const via = req.topVia;
    if (src.transport === 'tcp') {
      return { protocol: 'tcp', address: src.remoteAddress, port: via?.rport ?? via?.port ?? src.remotePort, connectionId: src.connectionId };
    }
    const port = via?.params.has('rport') ? src.remotePort : via?.port ?? 5060;
    return { protocol: 'udp', address: src.remoteAddress, port };
  }

  /**
   * The hop for a URI (a registered contact, a dialog's remote target): literal IPs only,
   * default port 5060, transport from the URI's `transport` parameter.
   */
  hopForUri(uriText: string): Hop | undefined {
    const uri = parseUri(uriText);
    if (!(uri instanceof SipUri) || isIP(uri.host) === 0) return undefined;
    const t = uri.transport;
    const protocol: TransportProtocol = t === 'tcp' ? 'tcp' : 'udp';
    return { protocol, address: uri.host, port: uri.port ?? 5060 };
  }

  /** Our Contact URI for a user on this profile (`sip:1000@ip:port`, transport when not UDP). */
  contactUri(user?: string, protocol: TransportProtocol = 'udp'): string {
    const host = this.advertisedAddress.includes(':') ? `[${this.advertisedAddress}]` : this.advertisedAddress;
    const u = user ? `${user}@` : '';
    return `sip:${u}${host}:${this.#port}${protocol === 'udp' ? '' : `;transport=${protocol}`}`;
  }

  #prepareRequest(req: SipRequest, hop: Hop): void {
    const host = this.advertisedAddress.includes(':') ? `[${this.advertisedAddress}]` : this.advertisedAddress;
    const sentBy = `${host}:${this.#port}`;
    const existing = req.topVia;
    // A placeholder Via (Dialog.createRequest) and a CANCEL's copy of its INVITE's Via keep
    // their branch; a request of ours sent again gets a new one; anything else gets ours on top.
    const keepBranch = existing !== undefined && (existing.host === '0.0.0.0' || req.method === 'CANCEL') && !!existing.branch?.startsWith(MAGIC_COOKIE);
    const ours = existing !== undefined && (existing.host === '0.0.0.0' || existing.sentBy === sentBy);
    const via = `SIP/2.0/${hop.protocol.toUpperCase()} ${sentBy};branch=${keepBranch ? existing!.branch : newBranch()};rport`;
    if (ours) req.replaceFirstValue('via', via);
    else req.addHeader('Via', via, true);
    if (!req.has('max-forwards')) req.addHeader('Max-Forwards', '70');
    if (!req.has('user-agent')) req.addHeader('User-Agent', this.userAgent);
  }

  #sendMessage(msg: SipMessage, hop: Hop, onError?: (err: Error) => void): Buffer {
    if (msg.kind === 'response' && !msg.has('server')) msg.addHeader('Server', this.userAgent);
    const bytes = serialize(msg);
    this.#sendBytes(bytes, hop, onError);
    return bytes;
  }

  #sendBytes(bytes: Buffer, hop: Hop, onError?: (err: Error) => void): void {
    const transport: Transport | undefined = hop.protocol === 'tcp' ? this.#tcp : this.#udp;
    if (!transport) {
      onError?.(new Error(`no ${hop.protocol} transport on profile ${this.profile}`));
      return;
    }
    this.counters.sent++;
    transport.send(bytes, hop, onError);
  }

  // ---- receiving (TransportReceiver) ----------------------------------------------------

  onData(data: Buffer, source: MessageSource, datagram: boolean): void {
    this.counters.received++;
    if (datagram && data.length <= 4 && data.every((b) => b === 13 || b === 10 || b === 0)) return; // keep-alive
    let msg: SipMessage;
    try {
      msg = parseMessage(data, this.#opts.limits, datagram);
      msg.source = source;
      if (msg.kind === 'request') validateRequest(msg);
      else validateResponse(msg);
    } catch (err) {
      this.counters.parseErrors++;
      if (err instanceof SipParseError) {
        this.#rejectUnparsable(err, source);
        // Framing is lost on a stream whose Content-Length cannot be trusted (RFC 4475 mcl01).
        if (!datagram && err.framing && source.connectionId) this.#tcp?.endConnection(source.connectionId);
      } else this.#log.error({ err }, 'unexpected parser failure');
      return;
    }
    if (msg.kind === 'request') this.#onRequest(msg);
    else this.#onResponse(msg);
  }

  onStreamError(status: number, reason: string, head: Buffer | undefined, source: MessageSource, reply: (data: Buffer) => void): void {
    this.counters.parseErrors++;
    this.#log.info({ status, reason, remote: `${source.remoteAddress}:${source.remotePort}` }, 'stream framing error, closing connection');
    if (!head) return;
    try {
      parseMessage(head, { maxMessageBytes: Number.MAX_SAFE_INTEGER }, true);
    } catch (err) {
      const partial = err instanceof SipParseError ? err.partial : undefined;
      if (partial?.kind === 'request' && partial.method !== 'ACK' && partial.has('via') && partial.has('cseq')) {
        reply(serialize(this.#withServer(createResponse(partial, status, { reason }))));
      }
    }
  }

  onConnectionClosed(connectionId: string): void {
    for (const l of this.#connectionListeners) {
      try {
        l(connectionId);
      } catch (err) {
        this.#log.error({ err }, 'connection-closed listener failed');
      }
    }
  }

  #withServer(res: SipResponse): SipResponse {
    if (!res.has('server')) res.addHeader('Server', this.userAgent);
    return res;
  }

  /** A request we cannot parse gets its status when we can address an answer; anything else is dropped. */
  #rejectUnparsable(err: SipParseError, source: MessageSource): void {
    const partial = err.partial;
    this.#log.debug({ status: err.status, reason: err.reason, remote: `${source.remoteAddress}:${source.remotePort}` }, 'unparsable message');
    if (!partial || partial.kind !== 'request' || partial.method === 'ACK') return;
    if (!partial.has('via') || !partial.has('cseq')) return;
    partial.source = source;
    const res = createResponse(partial, err.status, { reason: err.reason, toTag: statelessTag(partial) });
    this.respondStateless(partial, res);
  }

  #stampVia(req: SipRequest): void {
    // RFC 3581 / §18.2.1: record where the request really came from in the top Via.
    const via = req.topVia;
    const src = req.source;
    if (!via || !src) return;
    let changed = false;
    if (via.params.has('rport')) {
      via.params.set('rport', String(src.remotePort));
      via.params.set('received', src.remoteAddress);
      changed = true;
    } else if (via.host !== src.remoteAddress) {
      via.params.set('received', src.remoteAddress);
      changed = true;
    }
    if (changed) req.replaceFirstValue('via', via.toString());
  }

  #onRequest(req: SipRequest): void {
    this.counters.requestsIn++;
    this.#stampVia(req);

    if (req.method === 'ACK') return this.#onAck(req);

    const existing = this.#transactions.findServer(req);
    if (existing) {
      this.counters.retransmissionsAbsorbed++;
      existing.handle({ type: 'request', request: req });
      return;
    }
    if (req.method === 'CANCEL') return this.#onCancel(req);

    const uri = req.requestUri;
    const stateless = (status: number, headers?: Array<[string, string]>, reason?: string) =>
      this.#rejectRequest(req, status, headers, reason);

    if (this.#transactions.isMerged(req)) return stateless(482, undefined, 'Loop Detected');
    if (!(uri instanceof SipUri) && !(uri instanceof TelUri)) return stateless(416);
    if (req.maxForwards === 0 && !TERMINATING_METHODS.has(req.method)) return stateless(483);
    const unsupported = this.#unsupported(req);
    if (unsupported.length > 0) return stateless(420, [['Unsupported', unsupported.join(', ')]]);

    const toTag = req.toTag;
    if (toTag !== undefined) {
      const entry = this.#dialogs.get(dialogKey(req.callId, toTag, req.fromTag ?? ''));
      if (!entry) return stateless(481);
      const tx = this.#newServerTransaction(req);
      const check = entry.dialog.receiveRequest(req);
      if (!check.ok) {
        tx.reply(check.status, { reason: check.reason });
        return;
      }
      entry.user.onDialogRequest(req, tx, entry.dialog);
      return;
    }

    const handler = this.#handlers.get(req.method);
    if (handler) {
      const tx = this.#newServerTransaction(req);
      handler(req, tx);
      return;
    }
    if (req.method === 'OPTIONS') return this.#answerOptions(req);
    const allow: Array<[string, string]> = [['Allow', this.allowedMethods.join(', ')]];
    return stateless(KNOWN_METHODS.has(req.method) ? 405 : 501, allow);
  }

  #unsupported(req: SipRequest): string[] {
    if (!req.has('require')) return [];
    const supported = new Set((this.#opts.supported ?? []).map((t) => t.toLowerCase()));
    return req.optionTags('require').filter((t) => !supported.has(t));
  }

  /**
   * Answers the stack gives on its own. An INVITE gets a real server transaction (its final
   * response is retransmitted and the ACK absorbed); other requests are answered statelessly
   * with a To-tag derived from the request, so a retransmission gets the same response.
   */
  #rejectRequest(req: SipRequest, status: number, headers?: Array<[string, string]>, reason?: string): void {
    if (req.method === 'INVITE') {
      const tx = this.#newServerTransaction(req);
      tx.reply(status, { headers, reason });
      return;
    }
    this.respondStateless(req, createResponse(req, status, { headers, reason, toTag: statelessTag(req) }));
  }

  /** Stateless OPTIONS (§11.2): 200 with what we allow, accept and support. */
  #answerOptions(req: SipRequest): void {
    const res = createResponse(req, 200, {
      toTag: statelessTag(req),
      headers: [
        ['Allow', this.allowedMethods.join(', ')],
        ['Accept', (this.#opts.accept ?? ['application/sdp']).join(', ')],
        ['Supported', (this.#opts.supported ?? []).join(', ')],
        ['Accept-Language', 'en'],
      ],
    });
    this.respondStateless(req, res);
  }

  #newServerTransaction(req: SipRequest): ServerTransaction {
    const hop = this.responseHop(req)!;
    const key = serverKey(req);
    const tx = req.method === 'INVITE'
      ? new InviteServerTransaction(key, req, hop, this.#env)
      : new NonInviteServerTransaction(key, req, hop, this.#env);
    this.#transactions.addServer(tx);
    if (tx instanceof InviteServerTransaction) {
      const respond = tx.respond.bind(tx);
      // Index the transaction for the ACK of its 2xx the moment it sends one.
      tx.respond = (res: SipResponse) => {
        respond(res);
        if (tx.state === 'accepted' && !tx.ackKey) this.#transactions.addAccepted(tx);
      };
      tx.start();
    }
    return tx;
  }

  #onCancel(req: SipRequest): void {
    const invite = this.#transactions.findInviteFor(req);
    const tx = this.#newServerTransaction(req);
    if (!invite) {
      tx.reply(481);
      return;
    }
    // §9.2: the 200 carries the To tag of the INVITE's responses, when it has sent any.
    tx.reply(200, { toTag: invite.toTag });
    invite.cancel(req);
  }

  #onAck(req: SipRequest): void {
    const tx = this.#transactions.findServer(req);
    if (tx) {
      tx.handle({ type: 'request', request: req }); // ACK for a non-2xx: absorbed
      return;
    }
    const accepted = this.#transactions.findAccepted(req);
    if (accepted) accepted.acknowledge(req);
    const toTag = req.toTag;
    if (toTag === undefined) return;
    const entry = this.#dialogs.get(dialogKey(req.callId, toTag, req.fromTag ?? ''));
    if (entry) {
      entry.dialog.receiveRequest(req);
      entry.user.onDialogRequest(req, undefined, entry.dialog);
    }
  }

  #onResponse(res: SipResponse): void {
    this.counters.responsesIn++;
    const tx = this.#transactions.findClient(res);
    if (!tx) {
      this.counters.strayResponses++;
      return; // §18.1.2: a response matching no transaction is dropped
    }
    tx.handle({ type: 'response', response: res });
  }

  /** For tests: the live transactions. */
  transactionsForTesting(): Transaction[] {
    return this.#transactions.all();
  }
}

const NOOP_CLIENT_USER: ClientTransactionUser = {
  onResponse() {},
  onTimeout() {},
  onTransportError() {},
};

/** A To-tag that is the same for a request and its retransmissions (FNV-1a of its identity). */
export function statelessTag(req: SipRequest): string {
  const s = `${req.callId}|${req.fromTag ?? ''}|${req.cseq?.seq ?? ''}|${req.topVia?.branch ?? ''}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `s${h.toString(16)}`;
}
