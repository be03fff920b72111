// A channel: one call leg, whatever its technology, in FreeSWITCH's state machine (NEW → INIT
// → ROUTING → EXECUTE → [EXCHANGE_MEDIA | PARK] → HANGUP → REPORTING → DESTROY). It holds the
// caller profile, the channel variables, the timestamps CDRs are made of, and a driver (the
// endpoint's per-leg object: a SIP dialog, a loopback…) that turns answer/hangup into
// signalling. Channels know nothing of dialplans or applications: the core drives them.

import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../common/index.js';
import { causeCode, hangupCauseQ850, type HangupCause } from './causes.js';

export const CHANNEL_STATES = [
  'CS_NEW', 'CS_INIT', 'CS_ROUTING', 'CS_SOFT_EXECUTE', 'CS_EXECUTE', 'CS_EXCHANGE_MEDIA', 'CS_PARK',
  'CS_CONSUME_MEDIA', 'CS_HIBERNATE', 'CS_RESET', 'CS_HANGUP', 'CS_REPORTING', 'CS_DESTROY',
] as const;
export type ChannelState = (typeof CHANNEL_STATES)[number];

export type CallState = 'DOWN' | 'DIALING' | 'RINGING' | 'EARLY' | 'ACTIVE' | 'HELD' | 'RING_WAIT' | 'HANGUP' | 'UNHELD';
export type AnswerState = 'ringing' | 'early' | 'answered' | 'hangup';
export type Direction = 'inbound' | 'outbound';

/** The caller profile (FreeSWITCH's switch_caller_profile_t): what the dialplan routes on. */
export interface CallerProfile {
  username: string;
  dialplan: string;
  callerIdName: string;
  callerIdNumber: string;
  origCallerIdName: string;
  origCallerIdNumber: string;
  calleeIdName: string;
  calleeIdNumber: string;
  networkAddr: string;
  ani: string;
  aniii: string;
  rdnis: string;
  destinationNumber: string;
  source: string;
  context: string;
  transferSource: string;
  profileIndex: number;
}

/** Timestamps in microseconds since the epoch (0 = did not happen). */
export interface ChannelTimes {
  created: number;
  profileCreated: number;
  progress: number;
  progressMedia: number;
  answered: number;
  bridged: number;
  lastHold: number;
  holdAccum: number;
  hangup: number;
  transfer: number;
  resurrect: number;
}

/**
 * What an endpoint does for one leg. Inbound legs answer and refuse; outbound legs are
 * answered by the far end and can only be cancelled or hung up.
 */
export interface ChannelDriver {
  /** `sofia`, `loopback`, `error` … */
  readonly technology: string;
  /** 180 Ringing (inbound legs). */
  ringReady(channel: Channel): void;
  /** 183 with media (inbound legs); `sdp` is what to offer, when the caller decided it. */
  preAnswer(channel: Channel, sdp?: Buffer): void;
  /** 200 OK (inbound legs). */
  answer(channel: Channel, sdp?: Buffer): void;
  /** Tear the leg down: BYE, CANCEL or a final error, by state, with `cause`. */
  hangup(channel: Channel, cause: HangupCause): void;
  /** Send DTMF to the far end, when the leg can. */
  sendDtmf?(channel: Channel, digits: string, durationMs: number): void;
  /**
   * Offer `sdp` to the far end of an answered leg (a re-INVITE) and resolve with its answer;
   * null when it refuses, undefined when there was nothing to renegotiate.
   */
  renegotiate?(channel: Channel, sdp: Buffer): Promise<Buffer | null | undefined>;
}

export interface ChannelEvents {
  state: [from: ChannelState, to: ChannelState];
  callState: [from: CallState, to: CallState];
  /** 180: ringing without media. */
  progress: [];
  /** 183 with SDP: early media. */
  progressMedia: [sdp: Buffer | undefined];
  answer: [sdp: Buffer | undefined];
  dtmf: [digit: string, durationSamples: number, source: string];
  hangup: [cause: HangupCause];
  destroy: [];
}

export interface ChannelInit {
  direction: Direction;
  name: string;
  driver: ChannelDriver;
  profile?: Partial<CallerProfile>;
  variables?: Iterable<[string, string]>;
  uuid?: string;
  logger: Logger;
}

export function nowUs(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

export class Channel extends EventEmitter<ChannelEvents> {
  readonly uuid: string;
  readonly direction: Direction;
  name: string;
  #driver: ChannelDriver;
  readonly profile: CallerProfile;
  /** Channel variables, names as written (FreeSWITCH's are case-sensitive). */
  readonly variables = new Map<string, string>();
  readonly times: ChannelTimes;
  readonly log: Logger;
  #state: ChannelState = 'CS_NEW';
  #callState: CallState = 'DOWN';
  #answerState: AnswerState = 'ringing';
  #hangupCause: HangupCause | undefined;
  #abort = new AbortController();
  /** The channel this one is bridged with. */
  partner: Channel | undefined;
  /** For outbound legs: the channel that originated this one. */
  originator: Channel | undefined;
  /** Application currently running (for `show channels`). */
  application = '';
  applicationData = '';
  /** The last SDP each side sent (the endpoint keeps them current). */
  localSdp: Buffer | undefined;
  remoteSdp: Buffer | undefined;

  constructor(init: ChannelInit) {
    super();
    this.setMaxListeners(50);
    this.uuid = init.uuid ?? randomUUID();
    this.direction = init.direction;
    this.name = init.name;
    this.#driver = init.driver;
    const now = nowUs();
    this.times = { created: now, profileCreated: now, progress: 0, progressMedia: 0, answered: 0, bridged: 0, lastHold: 0, holdAccum: 0, hangup: 0, transfer: 0, resurrect: 0 };
    this.profile = {
      username: '', dialplan: 'XML', callerIdName: '', callerIdNumber: '', origCallerIdName: '', origCallerIdNumber: '',
      calleeIdName: '', calleeIdNumber: '', networkAddr: '', ani: '', aniii: '', rdnis: '', destinationNumber: '',
      source: '', context: 'default', transferSource: '', profileIndex: 1, ...init.profile,
    };
    if (init.variables) for (const [k, v] of init.variables) this.variables.set(k, v);
    this.variables.set('uuid', this.uuid);
    this.variables.set('call_uuid', this.uuid);
    this.log = init.logger.child({ uuid: this.uuid });
  }

  /** The endpoint's per-leg object that turns answer/hangup into signalling. */
  get driver(): ChannelDriver {
    return this.#driver;
  }

  /** An endpoint takes over a leg the core created for it (outbound legs). */
  attachDriver(driver: ChannelDriver): void {
    this.#driver = driver;
  }

  get state(): ChannelState {
    return this.#state;
  }

  get stateNumber(): number {
    return CHANNEL_STATES.indexOf(this.#state);
  }

  get callState(): CallState {
    return this.#callState;
  }

  get answerState(): AnswerState {
    return this.#answerState;
  }

  get answered(): boolean {
    return this.times.answered > 0;
  }

  get hungUp(): boolean {
    return this.#hangupCause !== undefined;
  }

  get hangupCause(): HangupCause | undefined {
    return this.#hangupCause;
  }

  /** Aborted when the channel hangs up: applications wait on it. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Move to a state (the core decides which); logged once, emitted once. */
  setState(to: ChannelState): void {
    const from = this.#state;
    if (from === to) return;
    if (this.stateNumber >= CHANNEL_STATES.indexOf('CS_HANGUP') && CHANNEL_STATES.indexOf(to) < CHANNEL_STATES.indexOf('CS_HANGUP')) return;
    this.#state = to;
    this.log.debug({ from, to }, 'channel state');
    this.emit('state', from, to);
  }

  setCallState(to: CallState): void {
    const from = this.#callState;
    if (from === to) return;
    this.#callState = to;
    this.emit('callState', from, to);
  }

  // ---- variables ----------------------------------------------------------------------

  getVariable(name: string): string | undefined {
    return this.variables.get(name);
  }

  /** Set (or with an empty/undefined value, unset) a variable. */
  setVariable(name: string, value: string | undefined): void {
    if (value === undefined || value === '') this.variables.delete(name);
    else this.variables.set(name, value);
  }

  /** A variable read as FreeSWITCH reads booleans (true/yes/on/1, case-insensitive). */
  isTrue(name: string): boolean {
    const v = this.variables.get(name);
    return v !== undefined && /^(true|yes|on|1|enabled|active|allow)$/i.test(v.trim());
  }

  // ---- progress and answer (called by the endpoint when signalling says so) ----------------

  markRinging(): void {
    if (this.hungUp) return;
    if (this.times.progress === 0) this.times.progress = nowUs();
    this.setCallState('RINGING');
    this.emit('progress');
  }

  markEarlyMedia(sdp?: Buffer): void {
    if (this.hungUp) return;
    if (this.times.progressMedia === 0) this.times.progressMedia = nowUs();
    if (this.times.progress === 0) this.times.progress = this.times.progressMedia;
    if (sdp) this.remoteSdp = sdp;
    this.#answerState = this.answered ? this.#answerState : 'early';
    this.setCallState('EARLY');
    this.emit('progressMedia', sdp);
  }

  markAnswered(sdp?: Buffer): void {
    if (this.hungUp || this.answered) return;
    this.times.answered = nowUs();
    if (sdp) this.remoteSdp = sdp;
    this.#answerState = 'answered';
    this.setCallState('ACTIVE');
    this.emit('answer', sdp);
  }

  // ---- actions on the leg (the driver does the signalling) ----------------------------------

  ringReady(): void {
    if (!this.hungUp && !this.answered) this.driver.ringReady(this);
  }

  preAnswer(sdp?: Buffer): void {
    if (!this.hungUp && !this.answered) this.driver.preAnswer(this, sdp);
  }

  answer(sdp?: Buffer): void {
    if (!this.hungUp && !this.answered) this.driver.answer(this, sdp);
  }

  /**
   * Hang up with a cause: idempotent; records the cause and the hangup time, tells the
   * driver, aborts whatever application runs, then emits `hangup`. The core then reports and
   * destroys the channel.
   */
  hangup(cause: HangupCause = 'NORMAL_CLEARING'): void {
    if (this.#hangupCause !== undefined) return;
    this.#hangupCause = cause;
    this.times.hangup = nowUs();
    this.#answerState = 'hangup';
    this.setCallState('HANGUP');
    this.variables.set('hangup_cause', cause);
    this.variables.set('hangup_cause_q850', String(hangupCauseQ850(cause)));
    this.log.info({ name: this.name, state: this.#state, cause }, `Hangup ${this.name} [${this.#state}] [${cause}]`);
    try {
      this.driver.hangup(this, cause);
    } catch (err) {
      this.log.error({ err }, 'driver failed to hang up');
    }
    // The cause is the abort reason: without one, abort() builds a DOMException (stack and
    // all), which a busy switch pays for on every hangup.
    this.#abort.abort(cause);
    this.setState('CS_HANGUP');
    this.emit('hangup', cause);
  }

  /** Cause number for events (`hangup_cause_q850`-style, FS numbers for FS causes). */
  get hangupCauseCode(): number | undefined {
    return this.#hangupCause === undefined ? undefined : causeCode(this.#hangupCause);
  }

  /** The moment the channel is gone: after reporting. */
  destroy(): void {
    if (this.#state === 'CS_DESTROY') return;
    this.setState('CS_REPORTING');
    this.setState('CS_DESTROY');
    this.emit('destroy');
    this.removeAllListeners();
  }
}
