// One configured gateway (spec §5.6): its outbound registration state machine with
// FreeSWITCH's state names, its OPTIONS pings with ping-min/ping-max hysteresis, its UP/DOWN
// status, its call counters, and a `sofia::gateway_state` event on every change. REGISTER is
// a client transaction on the profile's stack, answered once per challenge with digest
// (RFC 3261 §10.2, §22.2); a refresh goes out about 15 s before the binding expires, and a
// failure waits retry-seconds (times the failure count) before the next try. Calls through
// the gateway are gateway-call.ts; who may call in through it, gateway-inbound.ts.
//
//   start ──register=false──────────────────────────────→ NOREG (UP)
//     └─→ UNREGED → TRYING ──200──→ REGISTER → REGED ──refresh──→ UNREGED …
//                     │ 401/407: answered once (stale nonces again), 423: Min-Expires
//                     ├─ 4xx-6xx ─────────→ FAILED → FAIL_WAIT ──retry──→ UNREGED
//                     └─ no answer ──→ TIMEOUT → FAILED (908)
//   unregister: UNREGISTER (Expires: 0) → DOWN;  stop/kill: DOWN

import { EventEmitter } from 'node:events';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ConfigError, type EventBus, type EventHeaders, type Logger } from '../../common/index.js';
import type { GatewayConf } from '../../config/index.js';
import type { ClientTransactionUser, Hop, SipRequest, SipResponse } from '../../sip/index.js';
import { answerChallenge, type ChallengeAnswer } from './gateway-auth.js';
import {
  buildPing, buildRegister, gatewayContact, gatewayShape, grantedExpires, refreshAfterSec,
  type GatewayShape, type HostPort,
} from './gateway-registration.js';

export type GatewayState =
  | 'UNREGED' | 'TRYING' | 'REGISTER' | 'REGED' | 'UNREGISTER' | 'FAILED' | 'FAIL_WAIT' | 'EXPIRED' | 'NOREG' | 'DOWN' | 'TIMEOUT';
export type GatewayStatus = 'UP' | 'DOWN';

/** The part of a SipStack a gateway uses (a fake one in unit tests). */
export interface GatewaySip {
  sendRequest(req: SipRequest, hop: Hop, user: ClientTransactionUser): unknown;
  readonly advertisedAddress: string;
  readonly port: number;
}

/** Time and timers, injectable so that tests run the state machine on a fake clock. */
export interface GatewayClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: GatewayClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Host name → address. Literal IPs never reach it. */
export type HostResolver = (host: string) => Promise<string>;

/** Real deployments: the system resolver (`node:dns` lookup), at registration and call time. */
export const dnsResolver: HostResolver = async (host) => (await lookup(host)).address;

export interface GatewayOptions {
  conf: GatewayConf;
  /** The profile the gateway belongs to. */
  profile: string;
  /** The profile's context: where calls through the gateway land unless it names one. */
  profileContext: string;
  sip: GatewaySip;
  logger: Logger;
  bus?: EventBus;
  clock?: GatewayClock;
  resolve?: HostResolver;
}

export interface GatewayCounters {
  callsIn: number;
  failedCallsIn: number;
  callsOut: number;
  failedCallsOut: number;
}

export interface GatewayEvents {
  stateChange: [from: GatewayState, to: GatewayState];
  statusChange: [status: GatewayStatus];
}

/** Failure status FreeSWITCH records for a REGISTER nobody answered. */
export const TIMEOUT_STATUS = 908;
/** Most times retry-seconds is multiplied by after repeated failures (ours: FS has no cap). */
export const MAX_BACKOFF_FACTOR = 10;
/** Stale-nonce challenges answered in a row before the registration counts as failed. */
const MAX_CHALLENGES = 3;

export class Gateway extends EventEmitter<GatewayEvents> {
  readonly name: string;
  readonly profile: string;
  readonly conf: GatewayConf;
  readonly shape: GatewayShape;
  readonly context: string;
  readonly counters: GatewayCounters = { callsIn: 0, failedCallsIn: 0, callsOut: 0, failedCallsOut: 0 };
  /** `ping-min` failures in a row take the gateway DOWN; `ping-max` successes bring it UP. */
  readonly pingMin: number;
  readonly pingMax: number;
  readonly pingSec: number;
  readonly #sip: GatewaySip;
  readonly #log: Logger;
  readonly #bus: EventBus | undefined;
  readonly #clock: GatewayClock;
  readonly #resolve: HostResolver;
  #state: GatewayState = 'DOWN';
  #started = false;
  /** Bumped whenever a registration attempt is abandoned: late answers to it are ignored. */
  #generation = 0;
  #cseq = 0;
  #failures = 0;
  #challenges = 0;
  #expiresSec = 0;
  /** REGED and refreshing: the gateway stays UP while the refresh is under way. */
  #refreshing = false;
  #timer: unknown;
  #retryAt = 0;
  #upSince = 0;
  #lastStatus: number | undefined;
  #lastPhrase: string | undefined;
  #registerNetwork: { ip: string; port: number } | undefined;
  /** Addresses host names resolved to (at registration, ping or call time), for inbound matching. */
  readonly #resolved = new Map<string, Set<string>>();
  // pings
  #pingTimer: unknown;
  #pinging = false;
  #pingUp = true;
  #pingOk = 0;
  #pingFail = 0;
  #pingTimeMs = 0;
  #nextPingAt = 0;

  constructor(opts: GatewayOptions) {
    super();
    this.conf = opts.conf;
    this.name = opts.conf.name;
    this.profile = opts.profile;
    if (opts.conf.registerTransport === 'tls') {
      throw new ConfigError(`gateway ${opts.conf.name}: register-transport tls is not supported yet (use udp or tcp)`, opts.conf.params.entry('register-transport')?.pos ?? opts.conf.pos);
    }
    this.shape = gatewayShape(opts.conf);
    this.context = opts.conf.context ?? opts.profileContext;
    this.#sip = opts.sip;
    this.#log = opts.logger.child({ mod: 'sofia.gateway', gateway: opts.conf.name, profile: opts.profile });
    this.#bus = opts.bus;
    this.#clock = opts.clock ?? realClock;
    this.#resolve = opts.resolve ?? dnsResolver;
    const p = opts.conf.params;
    const ping = p.int('ping', 0, { min: 0 });
    // Spec §5.6: pings are off, or at least 5 s apart.
    this.pingSec = ping === 0 ? 0 : Math.max(5, ping);
    this.pingMax = p.int('ping-max', 1, { min: 1 });
    this.pingMin = p.int('ping-min', 1, { min: 1 });
    this.#pingOk = this.pingMax;
  }

  // ---- what `sofia status` shows ------------------------------------------------------------

  get state(): GatewayState {
    return this.#state;
  }

  /** UP when usable: registered (or not registering) and, with pings, answering them. */
  get status(): GatewayStatus {
    const registered = this.#state === 'NOREG' || this.#state === 'REGED' || this.#state === 'REGISTER' || this.#refreshing;
    return registered && (this.pingSec === 0 || this.#pingUp) ? 'UP' : 'DOWN';
  }

  get started(): boolean {
    return this.#started;
  }

  /** Seconds until the next registration attempt (FAILED/FAIL_WAIT/TRYING), undefined otherwise. */
  get retryInSec(): number | undefined {
    if (this.#state !== 'FAILED' && this.#state !== 'FAIL_WAIT' && this.#state !== 'TRYING') return undefined;
    if (this.#retryAt === 0) return undefined;
    return Math.max(0, Math.ceil((this.#retryAt - this.#clock.now()) / 1000));
  }

  get uptimeSec(): number {
    return this.status === 'UP' && this.#upSince > 0 ? Math.floor((this.#clock.now() - this.#upSince) / 1000) : 0;
  }

  get expiresSec(): number {
    return this.#expiresSec;
  }

  get failures(): number {
    return this.#failures;
  }

  get pinging(): boolean {
    return this.#pinging;
  }

  get pingTimeMs(): number {
    return this.#pingTimeMs;
  }

  /** Successes counted towards ping-max (0 after a failure). */
  get pingCount(): number {
    return this.#pingOk;
  }

  /** Epoch seconds of the next ping (FreeSWITCH's `Ping` field), 0 when not pinging. */
  get nextPingEpoch(): number {
    return this.pingSec > 0 && this.#nextPingAt > 0 ? Math.floor(this.#nextPingAt / 1000) : 0;
  }

  get lastStatus(): number | undefined {
    return this.#lastStatus;
  }

  get lastPhrase(): string | undefined {
    return this.#lastPhrase;
  }

  /** Where the registrar answered from (its source address), once it has. */
  get registerNetwork(): { ip: string; port: number } | undefined {
    return this.#registerNetwork;
  }

  /** Our Contact for this gateway (REGISTER and calls). */
  get contact(): string {
    return gatewayContact(this.conf, this.shape, this.#sip.advertisedAddress, this.#sip.port);
  }

  /** Digest credentials, when the gateway has a password. */
  get credentials(): { username: string; password: string } | undefined {
    return this.conf.password === undefined ? undefined : { username: this.conf.authUsername, password: this.conf.password };
  }

  /**
   * Whether a request from `ip:port` comes from this gateway: the address of its proxy,
   * register-proxy or outbound-proxy (the port too when the param names one; a host name by
   * what it last resolved to), or where its registrar answered from.
   */
  matchesSource(ip: string, port: number): boolean {
    const addr = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
    for (const hp of [this.shape.proxy, this.shape.registerProxy, this.shape.outboundProxy]) {
      if (!hp || (hp.port !== undefined && hp.port !== port)) continue;
      if (isIP(hp.host) !== 0 ? hp.host === addr : this.#resolved.get(hp.host)?.has(addr)) return true;
    }
    const reg = this.#registerNetwork;
    return reg !== undefined && reg.ip === addr && reg.port === port;
  }

  /** Where calls and pings go: the outbound-proxy when set, else the proxy. */
  callHop(): Promise<Hop> | Hop {
    return this.#hop(this.shape.outboundProxy ?? this.shape.proxy);
  }

  // ---- life cycle -----------------------------------------------------------------------

  /** Begin: register (or NOREG) and start pinging. Calling it twice does nothing. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    if (this.conf.register) {
      this.#setState('UNREGED');
      this.#register();
    } else {
      this.#setState('NOREG');
    }
    if (this.pingSec > 0) this.#schedulePing(0);
  }

  /**
   * Stop everything. A registered gateway sends `Expires: 0` first when `unregister` is set;
   * the promise resolves once that is answered (or after at most `waitMs`).
   */
  async stop(opts: { unregister?: boolean; waitMs?: number } = {}): Promise<void> {
    const wasRegistered = this.#state === 'REGED' || this.#refreshing;
    this.#started = false;
    this.#generation++;
    this.#clearTimer();
    if (this.#pingTimer !== undefined) this.#clock.clearTimeout(this.#pingTimer);
    this.#pingTimer = undefined;
    this.#refreshing = false;
    const done = opts.unregister && wasRegistered ? this.#sendUnregister(opts.waitMs ?? 1000) : Promise.resolve();
    this.#setState('DOWN');
    await done;
  }

  /** `sofia profile … register <gw>`: register again now. False for a NOREG gateway. */
  register(): boolean {
    if (!this.conf.register) return false;
    this.#started = true;
    this.#generation++;
    this.#clearTimer();
    this.#failures = 0;
    this.#refreshing = false;
    this.#setState('UNREGED');
    this.#register();
    if (this.pingSec > 0 && this.#pingTimer === undefined) this.#schedulePing(0);
    return true;
  }

  /** `sofia profile … unregister <gw>`: Expires 0, then DOWN. False for a NOREG gateway. */
  unregister(): boolean {
    if (!this.conf.register) return false;
    this.#generation++;
    this.#clearTimer();
    this.#refreshing = false;
    this.#setState('UNREGISTER');
    void this.#sendUnregister(0);
    this.#setState('DOWN');
    return true;
  }

  // ---- registration ---------------------------------------------------------------------

  #register(): void {
    const generation = ++this.#generation;
    this.#challenges = 0;
    this.#setState('TRYING');
    this.#retryAt = this.#clock.now() + this.conf.timeoutSeconds * 1000;
    this.#armTimer(this.conf.timeoutSeconds * 1000, () => this.#onTimeout(generation));
    void this.#sendRegister(generation, this.conf.expireSeconds, undefined);
  }

  async #sendRegister(generation: number, expiresSec: number, auth: ChallengeAnswer | undefined): Promise<void> {
    const req = buildRegister(this.shape, this.contact, ++this.#cseq, expiresSec);
    if (auth) req.addHeader(auth.header, auth.value);
    let hop: Hop;
    try {
      hop = await this.#hop(this.shape.outboundProxy ?? this.shape.registerProxy);
    } catch (err) {
      this.#fail(generation, 503, `cannot resolve ${(err as Error).message}`);
      return;
    }
    if (generation !== this.#generation) return;
    this.#log.debug({ cseq: this.#cseq, expires: expiresSec, to: `${hop.address}:${hop.port}` }, 'sending REGISTER');
    this.#sip.sendRequest(req, hop, {
      onResponse: (res) => this.#onRegisterResponse(generation, res, expiresSec),
      onTimeout: () => this.#onTimeout(generation),
      onTransportError: (_tx, err) => this.#fail(generation, 503, err.message),
    });
  }

  #onRegisterResponse(generation: number, res: SipResponse, asked: number): void {
    if (generation !== this.#generation || !this.#started || res.status < 200) return;
    const status = res.status;
    if (status < 300) {
      this.#clearTimer();
      this.#failures = 0;
      this.#lastStatus = status;
      this.#lastPhrase = res.reason;
      this.#expiresSec = grantedExpires(res, this.shape.contactUser, asked);
      if (res.source) this.#registerNetwork = { ip: res.source.remoteAddress, port: res.source.remotePort };
      this.#retryAt = 0;
      const wasRefresh = this.#refreshing;
      this.#refreshing = false;
      this.#setState('REGISTER');
      this.#setState('REGED');
      if (!wasRefresh) this.#log.info({ expires: this.#expiresSec }, `gateway ${this.name} registered`);
      this.#armTimer(refreshAfterSec(this.#expiresSec) * 1000, () => this.#refresh(generation));
      return;
    }
    if (status === 401 || status === 407) {
      const creds = this.credentials;
      const answer = creds ? answerChallenge(res, 'REGISTER', this.shape.registerUri, creds) : undefined;
      this.#challenges++;
      // A second plain challenge after our credentials means they were refused; stale nonces
      // are answered again, a few times at most.
      if (!answer || (this.#challenges > 1 && !answer.stale) || this.#challenges > MAX_CHALLENGES) {
        this.#fail(generation, status, res.reason);
        return;
      }
      void this.#sendRegister(generation, asked, answer);
      return;
    }
    if (status === 423) {
      // RFC 3261 §10.2.8: ask again with at least Min-Expires (once: a second 423 fails).
      const min = Number.parseInt(res.get('min-expires') ?? '', 10);
      if (Number.isFinite(min) && min > asked && min <= 86_400 && this.#challenges < MAX_CHALLENGES) {
        this.#challenges++;
        void this.#sendRegister(generation, min, undefined);
        return;
      }
    }
    this.#fail(generation, status, res.reason);
  }

  #refresh(generation: number): void {
    if (generation !== this.#generation || !this.#started) return;
    this.#refreshing = true;
    this.#setState('UNREGED');
    this.#register();
  }

  #onTimeout(generation: number): void {
    if (generation !== this.#generation || !this.#started) return;
    this.#setState('TIMEOUT');
    this.#fail(generation, TIMEOUT_STATUS, 'Request Timeout');
  }

  /** FAILED, then FAIL_WAIT for retry-seconds (times the failures in a row), then again. */
  #fail(generation: number, status: number, phrase: string): void {
    if (generation !== this.#generation || !this.#started) return;
    this.#generation++;
    this.#clearTimer();
    this.#failures++;
    this.#lastStatus = status;
    this.#lastPhrase = phrase;
    this.#refreshing = false;
    const factor = status === 503 || status === TIMEOUT_STATUS ? 1 : Math.min(this.#failures, MAX_BACKOFF_FACTOR);
    const delaySec = this.conf.retrySeconds * factor;
    this.#retryAt = this.#clock.now() + delaySec * 1000;
    this.#log.warn({ status, phrase, failures: this.#failures, retrySec: delaySec }, `gateway ${this.name} registration failed`);
    this.#setState('FAILED');
    this.#setState('FAIL_WAIT');
    const next = this.#generation;
    this.#armTimer(delaySec * 1000, () => {
      if (next !== this.#generation || !this.#started) return;
      this.#setState('UNREGED');
      this.#register();
    });
  }

  /** `Expires: 0` for our Contact, answering one challenge; resolves on the answer or after waitMs. */
  #sendUnregister(waitMs: number): Promise<void> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) this.#clock.clearTimeout(timer);
        resolve();
      };
      const timer = waitMs > 0 ? this.#clock.setTimeout(settle, waitMs) : undefined;
      if (waitMs <= 0) settle();
      let challenged = false;
      const send = async (auth: ChallengeAnswer | undefined) => {
        const req = buildRegister(this.shape, this.contact, ++this.#cseq, 0);
        if (auth) req.addHeader(auth.header, auth.value);
        let hop: Hop;
        try {
          hop = await this.#hop(this.shape.outboundProxy ?? this.shape.registerProxy);
        } catch {
          settle();
          return;
        }
        this.#sip.sendRequest(req, hop, {
          onResponse: (res) => {
            if (res.status < 200) return;
            const creds = this.credentials;
            if ((res.status === 401 || res.status === 407) && !challenged && creds) {
              challenged = true;
              const answer = answerChallenge(res, 'REGISTER', this.shape.registerUri, creds);
              if (answer) {
                void send(answer);
                return;
              }
            }
            settle();
          },
          onTimeout: settle,
          onTransportError: settle,
        });
      };
      void send(undefined);
    });
  }

  // ---- pings ------------------------------------------------------------------------------

  #schedulePing(delayMs: number): void {
    if (this.#pingTimer !== undefined) this.#clock.clearTimeout(this.#pingTimer);
    this.#nextPingAt = this.#clock.now() + delayMs;
    this.#pingTimer = this.#clock.setTimeout(() => {
      this.#pingTimer = undefined;
      void this.#ping();
    }, delayMs);
  }

  async #ping(): Promise<void> {
    if (!this.#started) return;
    this.#schedulePing(this.pingSec * 1000);
    if (this.#pinging) return; // the last one is still out: its timeout will count
    this.#pinging = true;
    let hop: Hop;
    try {
      hop = await this.callHop();
    } catch {
      this.#pinging = false;
      this.#pingResult(false);
      return;
    }
    const sentAt = performance.now();
    const req = buildPing(this.conf, this.shape, this.contact);
    const done = (ok: boolean) => {
      if (!this.#pinging) return;
      this.#pinging = false;
      if (ok) this.#pingTimeMs = performance.now() - sentAt;
      if (this.#started) this.#pingResult(ok);
    };
    this.#sip.sendRequest(req, hop, {
      // Spec §5.6: any answer from 200 to 599 but 408 and 503 means the far end is there.
      onResponse: (res) => res.status >= 200 && done(res.status < 600 && res.status !== 408 && res.status !== 503),
      onTimeout: () => done(false),
      onTransportError: () => done(false),
    });
  }

  #pingResult(ok: boolean): void {
    const before = this.status;
    const wasUp = this.#pingUp;
    if (ok) {
      this.#pingFail = 0;
      this.#pingOk = Math.min(this.#pingOk + 1, this.pingMax);
      if (!this.#pingUp && this.#pingOk >= this.pingMax) this.#pingUp = true;
    } else {
      this.#pingOk = 0;
      this.#pingFail++;
      if (this.#pingUp && this.#pingFail >= this.pingMin) this.#pingUp = false;
    }
    if (this.#pingUp !== wasUp) {
      this.#log.warn({ status: this.status, ping: this.#pingUp ? 'UP' : 'DOWN' }, `gateway ${this.name} ping status ${this.#pingUp ? 'UP' : 'DOWN'}`);
      this.#statusChanged(before);
      this.#publish();
    }
  }

  // ---- plumbing -------------------------------------------------------------------------

  #hop(target: HostPort): Hop | Promise<Hop> {
    const protocol = this.shape.transport === 'tcp' ? 'tcp' : 'udp';
    const port = target.port ?? 5060;
    if (isIP(target.host) !== 0) return { protocol, address: target.host, port };
    return this.#resolve(target.host).then((address) => {
      let known = this.#resolved.get(target.host);
      if (!known) this.#resolved.set(target.host, (known = new Set()));
      if (known.size < 16) known.add(address);
      return { protocol, address, port };
    });
  }

  #armTimer(ms: number, fn: () => void): void {
    this.#clearTimer();
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      fn();
    }, ms);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #setState(to: GatewayState): void {
    const from = this.#state;
    if (from === to) return;
    const before = this.status;
    this.#state = to;
    this.#log.debug({ from, to }, 'gateway state');
    this.emit('stateChange', from, to);
    this.#statusChanged(before);
    this.#publish();
  }

  #statusChanged(before: GatewayStatus): void {
    const now = this.status;
    if (now === before) return;
    this.#upSince = now === 'UP' ? this.#clock.now() : 0;
    this.emit('statusChange', now);
  }

  /** CUSTOM sofia::gateway_state (spec §7.6). */
  #publish(): void {
    const bus = this.#bus;
    if (!bus?.hasSubscribers) return;
    const headers: EventHeaders = [
      ['Gateway', this.name],
      ['State', this.#state],
      ['Ping-Status', this.pingSec > 0 && !this.#pingUp ? 'DOWN' : 'UP'],
    ];
    if (this.#registerNetwork) {
      headers.push(['Register-Network-IP', this.#registerNetwork.ip], ['Register-Network-Port', String(this.#registerNetwork.port)]);
    }
    if ((this.#state === 'FAILED' || this.#state === 'FAIL_WAIT' || this.#state === 'TIMEOUT') && this.#lastStatus !== undefined) {
      headers.push(['Phrase', this.#lastPhrase ?? ''], ['Status', String(this.#lastStatus)]);
    }
    bus.publish('CUSTOM', headers, { subclass: 'sofia::gateway_state', origin: { file: 'gateway.ts', func: 'publish' } });
  }
}
