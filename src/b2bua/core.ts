// The core: every live channel, the state machine that routes and executes them (FreeSWITCH's
// switch_core_state_machine), applications and dialplans registered from above, originate with
// simultaneous ring and failover, bridging, transfer, and the end of a channel (hangup events,
// CDR variables, reporting, destroy). Signalling belongs to the endpoints; media to rtp/.

import { EventEmitter } from 'node:events';
import type { EventBus, EventHeaders, Logger } from '../common/index.js';
import { formatLocalStamp } from '../common/index.js';
import { Channel, nowUs, type ChannelDriver, type Direction, type CallerProfile } from './channel.js';
import { publishChannelEvent } from './channel-events.js';
import { isHangupCause, parseCause, type HangupCause } from './causes.js';
import type { CallMedia } from './media/call-media.js';
import { UuidBridgeHold } from './takeover.js';
import type { AppContext, Application, Dialplan, DialplanAction, Endpoint, Expander, LegSpec, OriginatePlan } from './interfaces.js';

export interface CoreEvents {
  /** A channel finished: hangup processing is done and its CDR variables are set. */
  hangupComplete: [channel: Channel];
  channelCreated: [channel: Channel];
}

export interface CoreOptions {
  bus: EventBus;
  logger: Logger;
  maxSessions?: number;
  sessionsPerSecond?: number;
  /** Global variables (vars.xml and global_setvar), read by `${…}` after channel variables. */
  globals?: (name: string) => string | undefined;
}

export interface OriginateOptions {
  originator?: Channel;
  /** Overall ring time in seconds (call_timeout / originate_timeout; default 60). */
  timeoutSec?: number;
  /** The SDP to offer on every leg (bypass: the caller's offer). */
  sdp?: Buffer;
  /** Called as legs progress, so a bridge can relay ringing and early media. */
  onProgress?: (leg: Channel, kind: 'ringing' | 'earlyMedia', sdp?: Buffer) => void;
  /** Called for each leg created (before it is dialled). */
  onLeg?: (leg: Channel) => void;
}

/** How a bridge ended: which side left, its cause when it hung up, and whether it hung up or was transferred. */
export interface BridgeEnd {
  endedBy: Channel;
  cause: HangupCause | undefined;
  reason: 'hangup' | 'transfer';
}

export type OriginateResult =
  | { ok: true; channel: Channel }
  | { ok: false; cause: HangupCause; sipStatus?: string };

interface Pending {
  destination: string;
  dialplan?: string;
  context?: string;
}

/** Status numbers for `status` and HEARTBEAT. */
export interface SessionCounters {
  sinceStartup: number;
  current: number;
  peak: number;
  peakFiveMin: number;
  perSecondLast: number;
  perSecondMax: number;
  perSecondFiveMin: number;
}

export class CallCore extends EventEmitter<CoreEvents> {
  /** Media for calls (RTP relay, players); undefined when the switch runs signalling only. */
  media: CallMedia | undefined;
  /** Parks channels taken off what they run to be bridged elsewhere (uuid_bridge, transfers, pickup). */
  readonly takeover = new UuidBridgeHold();
  readonly bus: EventBus;
  readonly log: Logger;
  readonly maxSessions: number;
  readonly sessionsPerSecond: number;
  readonly #channels = new Map<string, Channel>();
  readonly #apps = new Map<string, Application>();
  readonly #dialplans = new Map<string, Dialplan>();
  readonly #endpoints = new Map<string, Endpoint>();
  readonly #pendingTransfer = new WeakMap<Channel, Pending>();
  readonly #executing = new WeakSet<Channel>();
  /** The running applications of each channel, innermost last (execute_extension nests them). */
  readonly #appAbort = new WeakMap<Channel, AbortHandle[]>();
  /** Ends the bridge a channel is in, when it is transferred out of it. */
  readonly #bridgeEnd = new WeakMap<Channel, () => void>();
  #expander: Expander = (text) => text;
  readonly #globals: (name: string) => string | undefined;
  // status counters
  #sinceStartup = 0;
  #peak = 0;
  #thisSecond = 0;
  #lastSecond = 0;
  #spsMax = 0;
  #window: Array<{ sps: number; peak: number }> = [];
  #tick: NodeJS.Timeout;

  constructor(opts: CoreOptions) {
    super();
    this.bus = opts.bus;
    this.log = opts.logger.child({ mod: 'core' });
    this.maxSessions = opts.maxSessions ?? 1000;
    this.sessionsPerSecond = opts.sessionsPerSecond ?? 30;
    this.#globals = opts.globals ?? (() => undefined);
    this.#tick = setInterval(() => this.#onSecond(), 1000);
    this.#tick.unref();
    this.registerDialplan(this.takeover);
  }

  // ---- registrations from above -------------------------------------------------------

  registerApplication(app: Application): void {
    this.#apps.set(app.name.toLowerCase(), app);
  }

  application(name: string): Application | undefined {
    return this.#apps.get(name.toLowerCase());
  }

  get applicationNames(): string[] {
    return [...this.#apps.keys()];
  }

  registerDialplan(dp: Dialplan): void {
    this.#dialplans.set(dp.name.toLowerCase(), dp);
  }

  /** A registered dialplan (`XML`, `inline` …), for applications that hunt (execute_extension). */
  dialplan(name: string): Dialplan | undefined {
    return this.#dialplans.get(name.toLowerCase());
  }

  registerEndpoint(ep: Endpoint): void {
    this.#endpoints.set(ep.technology.toLowerCase(), ep);
  }

  setExpander(expander: Expander): void {
    this.#expander = expander;
  }

  /** `${…}` expansion for a channel (or globals only). */
  expand(text: string, channel?: Channel): string {
    return text.includes('$') ? this.#expander(text, channel) : text;
  }

  global(name: string): string | undefined {
    return this.#globals(name);
  }

  // ---- channels ---------------------------------------------------------------------------

  get channelCount(): number {
    return this.#channels.size;
  }

  channels(): IterableIterator<Channel> {
    return this.#channels.values();
  }

  channel(uuid: string): Channel | undefined {
    return this.#channels.get(uuid);
  }

  /** Whether the channel runs its own task list (it routed, or was transferred into a dialplan). */
  isExecuting(ch: Channel): boolean {
    return this.#executing.has(ch);
  }

  /** Whether a new session may start now (max-sessions and sessions-per-second). */
  admit(): HangupCause | undefined {
    if (this.#channels.size >= this.maxSessions) return 'SWITCH_CONGESTION';
    if (this.sessionsPerSecond > 0 && this.#thisSecond >= this.sessionsPerSecond * 5) return 'SWITCH_CONGESTION';
    return undefined;
  }

  /** Create a channel, announce it (CHANNEL_CREATE) and watch its end. */
  createChannel(init: { direction: Direction; name: string; driver: ChannelDriver; profile?: Partial<CallerProfile>; variables?: Iterable<[string, string]>; uuid?: string }): Channel {
    const ch = new Channel({ ...init, logger: this.log });
    this.#channels.set(ch.uuid, ch);
    this.#sinceStartup++;
    this.#thisSecond++;
    if (this.#channels.size > this.#peak) this.#peak = this.#channels.size;
    ch.log.info({ name: ch.name }, `New Channel ${ch.name} [${ch.uuid}]`);
    ch.once('hangup', () => setImmediate(() => this.#complete(ch)));
    ch.on('progress', () => publishChannelEvent(this.bus, 'CHANNEL_PROGRESS', ch));
    ch.on('progressMedia', () => publishChannelEvent(this.bus, 'CHANNEL_PROGRESS_MEDIA', ch));
    ch.on('answer', () => publishChannelEvent(this.bus, 'CHANNEL_ANSWER', ch));
    ch.on('state', () => publishChannelEvent(this.bus, 'CHANNEL_STATE', ch));
    ch.on('callState', (from) => publishChannelEvent(this.bus, 'CHANNEL_CALLSTATE', ch, [['Original-Channel-Call-State', from]]));
    ch.on('dtmf', (digit, samples, source) =>
      publishChannelEvent(this.bus, 'DTMF', ch, [['DTMF-Digit', digit], ['DTMF-Duration', String(samples)], ['DTMF-Source', source]]),
    );
    publishChannelEvent(this.bus, 'CHANNEL_CREATE', ch);
    this.emit('channelCreated', ch);
    return ch;
  }

  // ---- routing and execution ----------------------------------------------------------------

  /**
   * Run a channel through ROUTING and EXECUTE until its task list ends (→ NORMAL_CLEARING),
   * nothing routes (→ NO_ROUTE_DESTINATION) or it hangs up. A transfer restarts routing.
   */
  async run(ch: Channel): Promise<void> {
    if (this.#executing.has(ch)) return;
    this.#executing.add(ch);
    try {
      ch.setState('CS_INIT');
      for (let hops = 0; !ch.hungUp; hops++) {
        if (hops > 100) {
          ch.hangup('EXCHANGE_ROUTING_ERROR');
          break;
        }
        ch.setState('CS_ROUTING');
        const tasks = this.#route(ch);
        if (ch.hungUp) break;
        if (tasks.length === 0) {
          ch.log.info({ destination: ch.profile.destinationNumber, context: ch.profile.context }, 'No Route, Aborting');
          ch.hangup('NO_ROUTE_DESTINATION');
          break;
        }
        ch.setState('CS_EXECUTE');
        for (const task of tasks) {
          if (ch.hungUp || this.#pendingTransfer.has(ch)) break;
          await this.execute(ch, task.app, task.data);
        }
        const next = this.#pendingTransfer.get(ch);
        if (next) {
          this.#pendingTransfer.delete(ch);
          this.#applyTransfer(ch, next);
          continue;
        }
        if (!ch.hungUp) ch.hangup('NORMAL_CLEARING');
      }
    } catch (err) {
      ch.log.error({ err }, 'channel execution failed');
      ch.hangup('NORMAL_TEMPORARY_FAILURE');
    } finally {
      this.#executing.delete(ch);
    }
  }

  #route(ch: Channel): DialplanAction[] {
    const name = ch.profile.dialplan || 'XML';
    const dp = this.#dialplans.get(name.toLowerCase());
    if (!dp) {
      ch.log.error({ dialplan: name }, 'no such dialplan');
      return [];
    }
    try {
      return dp.route(ch, this);
    } catch (err) {
      ch.log.error({ err }, 'dialplan failed');
      return [];
    }
  }

  /**
   * Run one application on a channel: expand its data, announce it (CHANNEL_EXECUTE), run it,
   * announce the result (CHANNEL_EXECUTE_COMPLETE). An unknown application hangs the channel
   * up, as FreeSWITCH does.
   */
  async execute(ch: Channel, appName: string, data: string, opts: { eventUuid?: string } = {}): Promise<string | undefined> {
    const app = this.#apps.get(appName.toLowerCase());
    if (!app) {
      ch.log.error({ app: appName }, `Invalid Application ${appName}`);
      ch.hangup('DESTINATION_OUT_OF_ORDER');
      return undefined;
    }
    const expanded = app.noExpand || ch.isTrue('app_disable_expand_variables') ? data : this.expand(data, ch);
    ch.application = app.name;
    ch.applicationData = expanded;
    ch.setVariable('current_application', app.name);
    ch.setVariable('current_application_data', expanded);
    ch.setVariable('last_app', app.name);
    ch.setVariable('last_arg', expanded);
    const extra: EventHeaders = [['Application', app.name], ['Application-Data', expanded]];
    if (opts.eventUuid) extra.push(['Application-UUID', opts.eventUuid]);
    publishChannelEvent(this.bus, 'CHANNEL_EXECUTE', ch, extra);
    ch.log.debug({ app: app.name, data: expanded }, 'EXECUTE');
    // The application's abort signal (hangup, or a transfer out of it) is made only when the
    // application asks for it: most are synchronous and never do, and an AbortController per
    // application run shows in a profile of a busy switch.
    let controller: AbortController | undefined;
    let aborted = false;
    let abortReason: unknown;
    const handle: AbortHandle = {
      abort(reason: unknown) {
        if (aborted) return;
        aborted = true;
        abortReason = reason;
        controller?.abort(reason); // a reason: no DOMException built
      },
    };
    const onHangup = () => handle.abort(ch.hangupCause);
    let running = this.#appAbort.get(ch);
    if (!running) this.#appAbort.set(ch, (running = []));
    running.push(handle);
    const ctx: AppContext = {
      core: this,
      get signal(): AbortSignal {
        if (!controller) {
          controller = new AbortController();
          if (aborted) controller.abort(abortReason);
          else if (ch.signal.aborted) controller.abort(ch.hangupCause);
          else ch.signal.addEventListener('abort', onHangup, { once: true });
        }
        return controller.signal;
      },
    };
    let response: string | undefined;
    try {
      response = (await app.run(ch, expanded, ctx)) ?? undefined;
    } catch (err) {
      ch.log.error({ err, app: app.name }, 'application failed');
      response = `-ERR ${(err as Error).message}`;
    } finally {
      if (controller) ch.signal.removeEventListener('abort', onHangup);
      const at = running.lastIndexOf(handle);
      if (at >= 0) running.splice(at, 1);
      if (running.length === 0) this.#appAbort.delete(ch);
    }
    if (response !== undefined) ch.setVariable('current_application_response', response);
    publishChannelEvent(this.bus, 'CHANNEL_EXECUTE_COMPLETE', ch, [...extra, ['Application-Response', response ?? '_none_']]);
    ch.application = '';
    ch.applicationData = '';
    return response;
  }

  /**
   * Transfer (FreeSWITCH's `transfer` semantics): the channel routes again with a new
   * destination, context and dialplan once the running application returns; a channel that
   * runs nothing (a parked or bridged B-leg) starts executing.
   */
  transfer(ch: Channel, destination: string, dialplan?: string, context?: string): boolean {
    if (ch.hungUp) return false;
    const max = Number(ch.getVariable('max_session_transfers') ?? ch.getVariable('max_forwards') ?? 70);
    const done = Number(ch.getVariable('session_transfers') ?? 0);
    if (done >= max) {
      ch.hangup('EXCHANGE_ROUTING_ERROR');
      return false;
    }
    ch.setVariable('session_transfers', String(done + 1));
    this.#pendingTransfer.set(ch, { destination, dialplan, context });
    // Everything the channel runs stops (nested apps too), and a bridge it is in ends.
    for (const c of [...(this.#appAbort.get(ch) ?? [])]) c.abort('transfer');
    this.#bridgeEnd.get(ch)?.();
    if (!this.#executing.has(ch)) {
      const next = this.#pendingTransfer.get(ch)!;
      this.#pendingTransfer.delete(ch);
      this.#applyTransfer(ch, next);
      void this.run(ch);
    }
    return true;
  }

  #applyTransfer(ch: Channel, next: Pending): void {
    const p = ch.profile;
    const old = p.destinationNumber;
    p.rdnis = old;
    p.transferSource = `${Math.floor(nowUs() / 1_000_000)}:${ch.uuid}:bl_xfer:${next.destination}/${next.context ?? p.context}/${next.dialplan ?? p.dialplan}`;
    p.destinationNumber = next.destination || 'service';
    if (next.dialplan) p.dialplan = next.dialplan;
    else if (p.dialplan.toLowerCase() === 'inline') p.dialplan = 'XML';
    if (next.context) p.context = next.context;
    p.profileIndex++;
    ch.times.transfer = nowUs();
    const history = ch.getVariable('transfer_history');
    const entry = `${Math.floor(nowUs() / 1_000_000)}:${ch.uuid}:bl_xfer:${p.destinationNumber}/${p.context}/${p.dialplan}`;
    ch.setVariable('transfer_history', history ? `${history}|${entry}` : entry);
    ch.log.info({ from: old, to: p.destinationNumber, context: p.context }, 'transfer');
  }

  // ---- originate and bridge ------------------------------------------------------------------

  /**
   * Dial a plan: each group rings all its legs at once, the first answer wins and the others
   * get LOSE_RACE; a failed group falls over to the next (`|`). Timeouts give NO_ANSWER; the
   * originator hanging up cancels everything (ORIGINATOR_CANCEL).
   */
  async originate(plan: OriginatePlan, opts: OriginateOptions = {}): Promise<OriginateResult> {
    let last: OriginateResult = { ok: false, cause: 'NO_ROUTE_DESTINATION' };
    for (const group of plan.groups) {
      if (opts.originator?.hungUp) return { ok: false, cause: 'ORIGINATOR_CANCEL' };
      last = await this.#originateGroup(group, plan.variables, opts);
      if (last.ok || last.cause === 'ORIGINATOR_CANCEL') return last;
    }
    return last;
  }

  async #originateGroup(group: LegSpec[], globalVars: Record<string, string>, opts: OriginateOptions): Promise<OriginateResult> {
    const a = opts.originator;
    const legs: Array<{ ch: Channel; timer?: NodeJS.Timeout }> = [];
    let failure: OriginateResult = { ok: false, cause: 'NO_ANSWER' };
    return await new Promise<OriginateResult>((resolve) => {
      let settled = false;
      let overall: NodeJS.Timeout | undefined;
      const finish = (result: OriginateResult) => {
        if (settled) return;
        settled = true;
        if (overall) clearTimeout(overall);
        for (const l of legs) if (l.timer) clearTimeout(l.timer);
        a?.off('hangup', onOriginatorHangup);
        for (const l of legs) {
          if (result.ok && l.ch === result.channel) continue;
          if (!l.ch.hungUp) l.ch.hangup(result.ok ? 'LOSE_RACE' : result.cause === 'ORIGINATOR_CANCEL' ? 'ORIGINATOR_CANCEL' : 'NO_ANSWER');
        }
        resolve(result);
      };
      const onOriginatorHangup = () => finish({ ok: false, cause: 'ORIGINATOR_CANCEL' });
      a?.once('hangup', onOriginatorHangup);
      const remaining = new Set<Channel>();
      for (const spec of group) {
        const vars = { ...globalVars, ...spec.variables };
        if (spec.technology === 'error') {
          const cause = parseErrorCause(spec.target);
          failure = { ok: false, cause };
          continue;
        }
        const ep = this.#endpoints.get(spec.technology.toLowerCase());
        const bad = ep ? ep.validate?.(spec.target) : 'CHAN_NOT_IMPLEMENTED';
        if (!ep || bad) {
          failure = { ok: false, cause: bad ?? 'CHAN_NOT_IMPLEMENTED' };
          continue;
        }
        const ch = this.#newOutboundLeg(spec, vars, a);
        opts.onLeg?.(ch);
        remaining.add(ch);
        const entry: { ch: Channel; timer?: NodeJS.Timeout } = { ch };
        legs.push(entry);
        const legTimeout = Number(vars.leg_timeout ?? vars.originate_timeout ?? NaN);
        if (Number.isFinite(legTimeout) && legTimeout > 0) {
          entry.timer = setTimeout(() => !ch.answered && ch.hangup('NO_ANSWER'), legTimeout * 1000);
        }
        ch.on('progress', () => opts.onProgress?.(ch, 'ringing'));
        ch.on('progressMedia', (sdp) => opts.onProgress?.(ch, 'earlyMedia', sdp));
        ch.once('answer', () => finish({ ok: true, channel: ch }));
        ch.once('hangup', (cause) => {
          remaining.delete(ch);
          if (cause !== 'LOSE_RACE') failure = { ok: false, cause, sipStatus: ch.getVariable('sip_term_status') };
          if (remaining.size === 0 && !settled) finish(failure);
        });
        try {
          ep.originate({ channel: ch, target: spec.target, originator: a, sdp: opts.sdp });
        } catch (err) {
          ch.log.error({ err }, 'originate failed');
          ch.hangup('DESTINATION_OUT_OF_ORDER');
        }
      }
      if (remaining.size === 0) {
        finish(failure);
        return;
      }
      const timeoutSec = opts.timeoutSec ?? 60;
      overall = setTimeout(() => {
        failure = { ok: false, cause: 'NO_ANSWER' };
        finish(failure);
      }, timeoutSec * 1000);
    });
  }

  #newOutboundLeg(spec: LegSpec, vars: Record<string, string>, a: Channel | undefined): Channel {
    // Caller id on the new leg: origination_caller_id_* (dial string, else A) > A's
    // effective_caller_id_* > A's caller id. effective_caller_id_* among the leg's own variables
    // (a `user/` leg carries the callee's directory variables) say who the callee is when it
    // calls, so they never name the caller here (FS reads them from the originating channel).
    const pick = (kind: 'name' | 'number') =>
      vars[`origination_caller_id_${kind}`] || a?.getVariable(`origination_caller_id_${kind}`) || a?.getVariable(`effective_caller_id_${kind}`) || undefined;
    const cidName = pick('name') ?? a?.profile.callerIdName ?? '';
    const cidNumber = pick('number') ?? a?.profile.callerIdNumber ?? '';
    const variables = new Map<string, string>();
    // Exported variables of the A-leg go to every leg it originates.
    const exported = a?.getVariable('export_vars');
    if (a && exported) {
      for (const name of exported.split(',')) {
        const n = name.trim();
        const v = a.getVariable(n);
        // `nolocal:x` / `_nolocal_x` (any case) was set here under that name; the leg gets `x`.
        if (n && v !== undefined) variables.set(n.replace(/^(nolocal:|_nolocal_)/i, ''), v);
      }
    }
    for (const [k, v] of Object.entries(vars)) variables.set(k, v);
    const ch = this.createChannel({
      direction: 'outbound',
      name: `${spec.technology}/${spec.target}`,
      uuid: vars.origination_uuid,
      driver: pendingDriver(spec.technology),
      profile: {
        callerIdName: cidName,
        callerIdNumber: cidNumber,
        origCallerIdName: a?.profile.callerIdName ?? cidName,
        origCallerIdNumber: a?.profile.callerIdNumber ?? cidNumber,
        destinationNumber: spec.target,
        networkAddr: '',
        ani: cidNumber,
        context: vars.user_context || a?.profile.context || 'default',
        dialplan: 'XML',
        source: `mod_${spec.technology}`,
        calleeIdNumber: spec.target,
      },
      variables,
    });
    ch.originator = a;
    if (a) {
      a.setVariable('originated_legs', [a.getVariable('originated_legs'), ch.uuid].filter(Boolean).join(';'));
      publishChannelEvent(this.bus, 'CHANNEL_ORIGINATE', a, [['Other-Leg-Unique-ID', ch.uuid]]);
    }
    publishChannelEvent(this.bus, 'CHANNEL_OUTGOING', ch);
    return ch;
  }

  /**
   * Link two answered channels: partners, CHANNEL_BRIDGE, bridge variables. Resolves when
   * either side hangs up or is transferred out of the bridge (`reason`); the other side is left
   * for the caller to handle (hangup_after_bridge, continue the dialplan …).
   */
  bridge(a: Channel, b: Channel): Promise<BridgeEnd> {
    const now = nowUs();
    a.partner = b;
    b.partner = a;
    a.times.bridged = now;
    b.times.bridged = now;
    a.setVariable('bridge_to', b.uuid);
    a.setVariable('last_bridge_to', b.uuid);
    a.setVariable('bleg_uuid', b.uuid);
    a.setVariable('signal_bond', b.uuid);
    b.setVariable('signal_bond', a.uuid);
    b.setVariable('bridge_to', a.uuid);
    a.setVariable('bridge_channel', b.name);
    b.setState('CS_EXCHANGE_MEDIA');
    const ids: EventHeaders = [['Bridge-A-Unique-ID', a.uuid], ['Bridge-B-Unique-ID', b.uuid]];
    publishChannelEvent(this.bus, 'CHANNEL_BRIDGE', a, ids);
    a.log.info({ other: b.uuid }, `Channel [${a.name}] and [${b.name}] bridged`);
    return new Promise((resolve) => {
      let ended = false;
      const end = (endedBy: Channel, reason: BridgeEnd['reason']) => {
        if (ended) return;
        ended = true;
        a.off('hangup', onA);
        b.off('hangup', onB);
        if (this.#bridgeEnd.get(a) === onTransferA) this.#bridgeEnd.delete(a);
        if (this.#bridgeEnd.get(b) === onTransferB) this.#bridgeEnd.delete(b);
        if (a.partner === b) a.partner = undefined;
        if (b.partner === a) b.partner = undefined;
        publishChannelEvent(this.bus, 'CHANNEL_UNBRIDGE', a, ids);
        resolve({ endedBy, cause: endedBy.hangupCause, reason });
      };
      const onA = () => end(a, 'hangup');
      const onB = () => end(b, 'hangup');
      const onTransferA = () => end(a, 'transfer');
      const onTransferB = () => end(b, 'transfer');
      if (a.hungUp) return end(a, 'hangup');
      if (b.hungUp) return end(b, 'hangup');
      a.once('hangup', onA);
      b.once('hangup', onB);
      this.#bridgeEnd.set(a, onTransferA);
      this.#bridgeEnd.set(b, onTransferB);
    });
  }

  // ---- the end of a channel ---------------------------------------------------------------

  #complete(ch: Channel): void {
    setCdrVariables(ch);
    publishChannelEvent(this.bus, 'CHANNEL_HANGUP', ch, [['Hangup-Cause', ch.hangupCause ?? 'NORMAL_CLEARING']]);
    ch.setState('CS_REPORTING');
    publishChannelEvent(this.bus, 'CHANNEL_HANGUP_COMPLETE', ch, [['Hangup-Cause', ch.hangupCause ?? 'NORMAL_CLEARING']]);
    try {
      this.emit('hangupComplete', ch);
    } catch (err) {
      ch.log.error({ err }, 'hangup-complete listener failed');
    }
    publishChannelEvent(this.bus, 'CHANNEL_DESTROY', ch);
    this.#channels.delete(ch.uuid);
    ch.destroy();
  }

  /** Hang up every channel (hupall, shutdown); resolves when they are all gone. */
  async hangupAll(cause: HangupCause = 'MANAGER_REQUEST', match?: (ch: Channel) => boolean): Promise<number> {
    let n = 0;
    for (const ch of [...this.#channels.values()]) {
      if (match && !match(ch)) continue;
      ch.hangup(cause);
      n++;
    }
    for (let i = 0; i < 100 && this.#channels.size > 0 && !match; i++) await new Promise((r) => setTimeout(r, 20));
    return n;
  }

  // ---- status -----------------------------------------------------------------------------

  #onSecond(): void {
    this.#lastSecond = this.#thisSecond;
    if (this.#lastSecond > this.#spsMax) this.#spsMax = this.#lastSecond;
    this.#window.push({ sps: this.#lastSecond, peak: this.#channels.size });
    if (this.#window.length > 300) this.#window.shift();
    this.#thisSecond = 0;
  }

  get counters(): SessionCounters {
    let peak5 = this.#channels.size;
    let sps5 = this.#thisSecond;
    for (const w of this.#window) {
      if (w.peak > peak5) peak5 = w.peak;
      if (w.sps > sps5) sps5 = w.sps;
    }
    return {
      sinceStartup: this.#sinceStartup,
      current: this.#channels.size,
      peak: this.#peak,
      peakFiveMin: peak5,
      perSecondLast: this.#lastSecond,
      perSecondMax: this.#spsMax,
      perSecondFiveMin: sps5,
    };
  }

  close(): void {
    clearInterval(this.#tick);
  }
}

/** What a transfer aborts: a running application's signal, made when the application reads it. */
interface AbortHandle {
  abort(reason: unknown): void;
}

/** The driver of an outbound leg until its endpoint attaches its own (it does so at once). */
function pendingDriver(technology: string): ChannelDriver {
  const none = () => {};
  return { technology, ringReady: none, preAnswer: none, answer: none, hangup: none };
}

function parseErrorCause(text: string): HangupCause {
  const upper = text.trim().toUpperCase();
  if (upper === 'USER_NOT_REGISTERED' || isHangupCause(upper)) return upper as HangupCause;
  return parseCause(text);
}

/** The timing variables every CDR is made of (spec §9.1). */
export function setCdrVariables(ch: Channel): void {
  const t = ch.times;
  const set = (name: string, us: number) => {
    ch.setVariable(`${name}_stamp`, us ? formatLocalStamp(us / 1000) : '');
    ch.variables.set(`${name}_epoch`, us ? String(Math.floor(us / 1_000_000)) : '0');
    ch.variables.set(`${name}_uepoch`, us ? String(us) : '0');
  };
  set('start', t.created);
  set('profile_start', t.profileCreated);
  set('answer', t.answered);
  set('bridge', t.bridged);
  set('progress', t.progress);
  set('progress_media', t.progressMedia);
  set('end', t.hangup || nowUs());
  const end = t.hangup || nowUs();
  const sec = (from: number, to: number) => (from && to >= from ? Math.floor((to - from) / 1_000_000) : 0);
  const msec = (from: number, to: number) => (from && to >= from ? Math.floor((to - from) / 1000) : 0);
  ch.variables.set('duration', String(sec(t.created, end)));
  ch.variables.set('mduration', String(msec(t.created, end)));
  ch.variables.set('billsec', String(sec(t.answered, end)));
  ch.variables.set('billmsec', String(msec(t.answered, end)));
  ch.variables.set('progresssec', String(sec(t.created, t.progress)));
  ch.variables.set('progress_mediasec', String(sec(t.created, t.progressMedia)));
  ch.variables.set('answersec', String(sec(t.created, t.answered)));
  ch.variables.set('waitsec', String(sec(t.created, t.bridged || t.answered)));
  ch.variables.set('flow_billsec', String(sec(t.created, end)));
  ch.variables.set('caller_id', `"${ch.profile.callerIdName}" <${ch.profile.callerIdNumber}>`);
  ch.variables.set('hold_accum_seconds', String(Math.floor(t.holdAccum / 1_000_000)));
}
