// Test support: a second endpoint for the real CallCore, as FreeSWITCH's mod_reference is for
// its core. Inbound legs are calls the test places (`call()`); the driver records what the
// core asks of them (ring_ready, pre_answer, answer, respond, hangup with its cause and the SIP
// status a SIP leg would send). Outbound legs are what `bridge` dials: each follows a script
// chosen by its target (ring, send early media, answer or refuse after a delay) or waits for
// the test to act on it. Every timer a leg starts is cleared when the leg ends.

import type { CallCore, Channel, ChannelDriver, Endpoint, HangupCause, OriginateRequest } from '../../../src/b2bua/index.js';
import { causeToSipStatus, sipStatusToCause } from '../../../src/b2bua/index.js';

/** What an outbound leg does by itself, each step `afterMs` after the INVITE. */
export interface LegScript {
  /** 180 after this many ms (default 0); undefined with `silent`. */
  ringMs?: number;
  /** Don't ring. */
  silent?: boolean;
  /** 183 with this SDP after ringMs. */
  earlyMediaSdp?: string;
  /** Answer after this many ms. */
  answerMs?: number;
  /** Refuse (final non-2xx) with this SIP status after `refuseMs`. */
  refuseStatus?: number;
  refuseMs?: number;
  /** Hang up (BYE) this many ms after answering. */
  byeAfterMs?: number;
}

export class TestLeg implements ChannelDriver {
  readonly technology: string;
  readonly channel: Channel;
  readonly target: string;
  /** What the core asked, in order: `ringReady`, `preAnswer`, `answer`, `respond:486`, `hangup:USER_BUSY`. */
  readonly calls: string[] = [];
  /** The SIP status a SIP leg would have sent when the core hung this (unanswered inbound) leg up. */
  finalStatus: number | undefined;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(technology: string, channel: Channel, target: string) {
    this.technology = technology;
    this.channel = channel;
    this.target = target;
    channel.once('hangup', () => this.clearTimers());
  }

  // ---- what the core asks (ChannelDriver) -----------------------------------------------

  ringReady(ch: Channel): void {
    this.calls.push('ringReady');
    ch.markRinging();
  }

  preAnswer(ch: Channel, sdp?: Buffer): void {
    this.calls.push('preAnswer');
    if (sdp) ch.localSdp = sdp;
    ch.markEarlyMedia(undefined);
  }

  answer(ch: Channel, sdp?: Buffer): void {
    this.calls.push('answer');
    if (sdp) ch.localSdp = sdp;
    ch.markAnswered(undefined);
  }

  respond(ch: Channel, status: number): void {
    this.calls.push(`respond:${status}`);
    if (status >= 200) {
      this.finalStatus = status;
      ch.hangup(sipStatusToCause(status));
    }
  }

  hangup(ch: Channel, cause: HangupCause): void {
    this.calls.push(`hangup:${cause}`);
    if (ch.direction === 'inbound' && !ch.answered && this.finalStatus === undefined) {
      // As the SIP leg does: the callee's own status is reused after a failed bridge.
      const proto = ch.getVariable('last_bridge_proto_specific_hangup_cause');
      const n = proto?.startsWith('sip:') ? Number(proto.slice(4)) : NaN;
      this.finalStatus = n >= 300 && n < 700 && cause !== 'ORIGINATOR_CANCEL' ? n : causeToSipStatus(cause);
    }
    this.clearTimers();
  }

  // ---- what the far end does (outbound legs) -----------------------------------------------

  ring(): void {
    this.channel.markRinging();
  }

  earlyMedia(sdp: string): void {
    this.channel.markEarlyMedia(Buffer.from(sdp));
  }

  farAnswer(sdp = 'v=0 callee'): void {
    this.channel.setVariable('sip_term_status', undefined);
    this.channel.markAnswered(Buffer.from(sdp));
  }

  /** A final non-2xx from the far end (486, 603 …). */
  refuse(status: number): void {
    this.channel.setVariable('sip_term_status', String(status));
    this.channel.setVariable('proto_specific_hangup_cause', `sip:${status}`);
    this.channel.hangup(sipStatusToCause(status));
  }

  /** The far end hangs up an answered call (BYE). */
  bye(cause: HangupCause = 'NORMAL_CLEARING'): void {
    this.channel.hangup(cause);
  }

  after(ms: number, fn: () => void): void {
    if (this.channel.hungUp) return;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!this.channel.hungUp) fn();
    }, ms);
    this.#timers.add(t);
  }

  clearTimers(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }
}

export class TestEndpoint implements Endpoint {
  readonly technology: string;
  /** Outbound legs in the order the core dialled them. */
  readonly legs: TestLeg[] = [];
  /** Inbound legs the test placed. */
  readonly callers: TestLeg[] = [];
  /** Script per target (exact) or by a test on the target. */
  readonly scripts: Array<{ match: (target: string) => boolean; script: LegScript }> = [];
  #inbound = 0;

  constructor(technology = 'test') {
    this.technology = technology;
  }

  /** Targets the core may not dial: `invalid…` → INVALID_URL. */
  validate(target: string): HangupCause | undefined {
    return target.startsWith('invalid') ? 'INVALID_URL' : undefined;
  }

  script(match: string | RegExp, script: LegScript): this {
    this.scripts.push({ match: (t) => (typeof match === 'string' ? t === match : match.test(t)), script });
    return this;
  }

  originate(req: OriginateRequest): void {
    const leg = new TestLeg(this.technology, req.channel, req.target);
    req.channel.attachDriver(leg);
    req.channel.name = `${this.technology}/${req.target}`;
    req.channel.setCallState('DIALING');
    this.legs.push(leg);
    const script = this.scripts.find((s) => s.match(req.target))?.script ?? {};
    if (!script.silent) leg.after(script.ringMs ?? 0, () => (script.earlyMediaSdp ? leg.earlyMedia(script.earlyMediaSdp) : leg.ring()));
    if (script.answerMs !== undefined) {
      leg.after(script.answerMs, () => {
        leg.farAnswer();
        if (script.byeAfterMs !== undefined) leg.after(script.byeAfterMs, () => leg.bye());
      });
    }
    if (script.refuseStatus !== undefined) leg.after(script.refuseMs ?? 0, () => leg.refuse(script.refuseStatus!));
  }

  /** Place a call into the core: a new inbound channel that routes and executes. */
  call(core: CallCore, opts: { dest: string; cidNumber?: string; cidName?: string; context?: string; variables?: Record<string, string>; dialplan?: string }): { channel: Channel; leg: TestLeg; done: Promise<void> } {
    const n = ++this.#inbound;
    const cidNumber = opts.cidNumber ?? '1001';
    let leg!: TestLeg;
    const driver: ChannelDriver = {
      technology: this.technology,
      ringReady: (ch) => leg.ringReady(ch),
      preAnswer: (ch, sdp) => leg.preAnswer(ch, sdp),
      answer: (ch, sdp) => leg.answer(ch, sdp),
      hangup: (ch, cause) => leg.hangup(ch, cause),
    };
    Object.assign(driver, { respond: (ch: Channel, status: number) => leg.respond(ch, status) });
    const channel = core.createChannel({
      direction: 'inbound',
      name: `${this.technology}/caller-${n}`,
      driver,
      profile: {
        callerIdName: opts.cidName ?? cidNumber,
        callerIdNumber: cidNumber,
        origCallerIdName: opts.cidName ?? cidNumber,
        origCallerIdNumber: cidNumber,
        destinationNumber: opts.dest,
        context: opts.context ?? 'default',
        dialplan: opts.dialplan ?? 'XML',
        source: `mod_${this.technology}`,
        ani: cidNumber,
      },
      variables: Object.entries(opts.variables ?? {}),
    });
    leg = new TestLeg(this.technology, channel, opts.dest);
    channel.remoteSdp = Buffer.from('v=0 caller');
    this.callers.push(leg);
    const done = core.run(channel);
    return { channel, leg, done };
  }
}
