// Test support: an endpoint that speaks no protocol (FreeSWITCH's mod_reference in spirit). It
// implements the core's Endpoint and ChannelDriver for real, records every request the core
// makes of it, and lets a test play the far end: ring, send early media, answer or refuse an
// outbound leg, or hang up any leg. Inbound legs are created through `inbound()`. Shared by
// every test that drives the real CallCore (apps, CDR, API commands); keep it generic.

import {
  CallCore, type Channel, type ChannelDriver, type Endpoint, type HangupCause, type OriginateRequest,
} from '../../../src/b2bua/index.js';
import { EventBus, silentLogger } from '../../../src/common/index.js';

/** One request the core made of the endpoint, in order. */
export type TestRequest =
  | { kind: 'originate'; uuid: string; target: string; originator: string | undefined }
  | { kind: 'ringReady' | 'preAnswer' | 'answer'; uuid: string }
  | { kind: 'hangup'; uuid: string; cause: HangupCause }
  | { kind: 'dtmf'; uuid: string; digits: string };

/** What the far end does with an outbound leg (all optional; nothing = the test drives it). */
export interface FarEndScript {
  /** Ring (180) after this many ms. */
  ringMs?: number;
  /** Early media (183) after this many ms. */
  earlyMediaMs?: number;
  /** Answer after this many ms. */
  answerMs?: number;
  /** Refuse with this cause after `failMs` (default 0). */
  fail?: HangupCause;
  failMs?: number;
}

export interface TestEndpointOptions {
  /** The dial-string technology (`test/<target>`); default `test`. */
  technology?: string;
  /** The far end's behaviour per target; default: do nothing until the test acts. */
  script?: (target: string) => FarEndScript | undefined;
  /** Targets the endpoint refuses before dialling (Endpoint.validate). */
  invalid?: (target: string) => HangupCause | undefined;
}

export interface InboundOptions {
  callerIdName?: string;
  callerIdNumber?: string;
  destination?: string;
  context?: string;
  dialplan?: string;
  networkAddr?: string;
  name?: string;
  variables?: Record<string, string>;
}

const FAKE_SDP = Buffer.from('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n');

export class TestEndpoint implements Endpoint {
  readonly technology: string;
  /** Every request, in order. */
  readonly requests: TestRequest[] = [];
  /** Every outbound leg the core asked for, in order. */
  readonly outbound: Channel[] = [];
  readonly #script: TestEndpointOptions['script'];
  readonly #invalid: TestEndpointOptions['invalid'];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #waiters: Array<(ch: Channel) => void> = [];
  readonly driver: ChannelDriver;

  constructor(opts: TestEndpointOptions = {}) {
    this.technology = opts.technology ?? 'test';
    this.#script = opts.script;
    this.#invalid = opts.invalid;
    const record = (r: TestRequest) => this.requests.push(r);
    this.driver = {
      technology: this.technology,
      ringReady: (ch) => {
        record({ kind: 'ringReady', uuid: ch.uuid });
        ch.markRinging();
      },
      preAnswer: (ch) => {
        record({ kind: 'preAnswer', uuid: ch.uuid });
        ch.localSdp = FAKE_SDP;
        ch.markEarlyMedia();
      },
      answer: (ch) => {
        record({ kind: 'answer', uuid: ch.uuid });
        ch.localSdp = FAKE_SDP;
        ch.markAnswered();
      },
      hangup: (ch, cause) => record({ kind: 'hangup', uuid: ch.uuid, cause }),
      sendDtmf: (ch, digits) => record({ kind: 'dtmf', uuid: ch.uuid, digits }),
    };
  }

  validate(target: string): HangupCause | undefined {
    return this.#invalid?.(target);
  }

  originate(req: OriginateRequest): void {
    const ch = req.channel;
    ch.attachDriver(this.driver);
    ch.name = `${this.technology}/${req.target}`;
    this.requests.push({ kind: 'originate', uuid: ch.uuid, target: req.target, originator: req.originator?.uuid });
    this.outbound.push(ch);
    const script = this.#script?.(req.target);
    if (script) this.#play(ch, script);
    const waiters = this.#waiters.splice(0);
    for (const w of waiters) w(ch);
  }

  /** Resolves with the next outbound leg (or the n-th one, 0-based, if it already exists). */
  nextOutbound(index?: number): Promise<Channel> {
    if (index !== undefined && this.outbound[index]) return Promise.resolve(this.outbound[index]!);
    return new Promise((resolve) => {
      const want = index;
      const check = (ch: Channel) => {
        if (want === undefined || this.outbound[want] === ch) resolve(ch);
        else this.#waiters.push(check);
      };
      this.#waiters.push(check);
    });
  }

  /** Create an inbound leg on `core` (not yet routed: call `core.run(ch)` to route it). */
  inbound(core: CallCore, opts: InboundOptions = {}): Channel {
    const cidNumber = opts.callerIdNumber ?? '1000';
    const ch = core.createChannel({
      direction: 'inbound',
      name: opts.name ?? `${this.technology}/${cidNumber}`,
      driver: this.driver,
      profile: {
        username: cidNumber,
        callerIdName: opts.callerIdName ?? `Extension ${cidNumber}`,
        callerIdNumber: cidNumber,
        origCallerIdName: opts.callerIdName ?? `Extension ${cidNumber}`,
        origCallerIdNumber: cidNumber,
        destinationNumber: opts.destination ?? '1001',
        context: opts.context ?? 'default',
        dialplan: opts.dialplan ?? 'XML',
        networkAddr: opts.networkAddr ?? '127.0.0.1',
        ani: cidNumber,
        source: `mod_${this.technology}`,
      },
      variables: Object.entries(opts.variables ?? {}),
    });
    ch.remoteSdp = FAKE_SDP;
    return ch;
  }

  /** Requests of one kind for one channel. */
  requestsFor(uuid: string, kind?: TestRequest['kind']): TestRequest[] {
    return this.requests.filter((r) => r.uuid === uuid && (kind === undefined || r.kind === kind));
  }

  /** Stop the far-end timers still pending. */
  close(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #later(ms: number | undefined, fn: () => void): void {
    if (ms === undefined) return;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  #play(ch: Channel, s: FarEndScript): void {
    if (s.fail) {
      this.#later(s.failMs ?? 0, () => ch.hangup(s.fail));
      return;
    }
    this.#later(s.ringMs, () => ch.markRinging());
    this.#later(s.earlyMediaMs, () => ch.markEarlyMedia(FAKE_SDP));
    this.#later(s.answerMs, () => ch.markAnswered(FAKE_SDP));
  }
}

/** A real CallCore with a silent logger and its own bus, for tests. Close it when done. */
export function testCore(opts: { maxSessions?: number; globals?: (name: string) => string | undefined } = {}): CallCore {
  return new CallCore({
    bus: new EventBus({ hostname: 'testhost', switchname: 'testhost', coreUuid: 'test-core-uuid' }),
    logger: silentLogger,
    maxSessions: opts.maxSessions,
    globals: opts.globals,
  });
}

/** Resolves when `core` emits hangupComplete for `ch` (CDR variables are set by then). */
export function hangupComplete(core: CallCore, ch: Channel): Promise<Channel> {
  return new Promise((resolve) => {
    const on = (c: Channel) => {
      if (c !== ch) return;
      core.off('hangupComplete', on);
      resolve(c);
    };
    core.on('hangupComplete', on);
  });
}
