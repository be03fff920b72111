// `bridge <dial string>` (spec §4.3–4.4): originate the legs (`,` at once, first answer wins,
// `|` one group after the other), keep the caller informed while they ring, answer the caller
// with the winner's media and bridge the two until one hangs up or is transferred. On failure
// set the originate variables and hang up or continue by continue_on_fail / failure_causes;
// after the bridge, hangup_after_bridge / park_after_bridge / transfer_after_bridge decide what
// the caller does next.
//
// What the caller hears while the callee rings: with `ringback` set (the shipped dialplan sets
// ${us-ring}) and media of its own here (default mode), the caller is pre-answered with our SDP
// and hears the tone (or file) as early media from the first 180, or at once with
// `instant_ringback`; otherwise it gets 180 Ringing and its phone plays its own ringback. The
// callee's early media (183 with SDP) reaches the caller through the media layer (as is in
// bypass, through our relay in proxy, joined to the caller's endpoint in default) unless
// `ignore_early_media` is set or `ringback` is and `bridge_early_media` is not.

import type { AppContext, Application, CallCore, CallMedia, Channel, HangupCause, OriginatePlan, Playback } from '../b2bua/index.js';
import { causeCode, isHangupCause, joinMedia, parseCause } from '../b2bua/index.js';
import type { ConfigTree } from '../config/index.js';
import { switchTrue } from '../dialplan/index.js';
import { untilAborted } from './basic.js';
import { resolveDialString } from './resolve.js';

/** Causes after which the dialplan goes on when nothing says otherwise (spec §4.4). */
const DEFAULT_CONTINUE: ReadonlySet<HangupCause> = new Set(['NO_ANSWER', 'NO_USER_RESPONSE', 'ORIGINATOR_CANCEL']);

/** Default ring time when neither call_timeout nor originate_timeout says (FreeSWITCH: 60 s). */
export const DEFAULT_CALL_TIMEOUT_SEC = 60;

/** A variable of the dial string's `<>`/`{}` blocks (every leg carries the `{}` ones). */
function planVariable(plan: OriginatePlan, name: string): string | undefined {
  if (plan.variables[name] !== undefined) return plan.variables[name];
  for (const group of plan.groups) for (const leg of group) if (leg.variables[name] !== undefined) return leg.variables[name];
  return undefined;
}

/** `ignore_early_media=true|ring_ready|consume…`: anything but false/empty ignores it. */
function ignoresEarlyMedia(value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  return switchTrue(value) || /^(ring_ready|consume)/i.test(value);
}

/** Ring time in seconds: `{call_timeout}`/`{originate_timeout}` of the dial string, else the caller's call_timeout, else 60. */
export function ringTimeSec(a: Channel, plan: OriginatePlan): number {
  for (const text of [planVariable(plan, 'call_timeout'), planVariable(plan, 'originate_timeout'), a.getVariable('call_timeout')]) {
    const n = Number.parseInt(text ?? '', 10);
    if (Number.isFinite(n) && n > 0) return n;
  }
  return DEFAULT_CALL_TIMEOUT_SEC;
}

export function bridgeApp(config: () => ConfigTree): Application {
  return {
    name: 'bridge',
    async run(a: Channel, data: string, ctx: AppContext): Promise<string> {
      const core = ctx.core;
      const plan = resolveDialString(data, { core, config, channel: a });
      if ('error' in plan) {
        a.log.warn({ dial: data, err: plan.error }, 'bad dial string');
        return fail(a, plan.cause, undefined, ctx.signal);
      }
      const ignoreEarly = ignoresEarlyMedia(a.getVariable('ignore_early_media') ?? planVariable(plan, 'ignore_early_media'));
      const bridgeEarly = switchTrue(a.getVariable('bridge_early_media') ?? planVariable(plan, 'bridge_early_media'));
      // An answered caller (being transferred) hears transfer_ringback, one still ringing ringback.
      const ringbackTone = a.answered ? a.getVariable('transfer_ringback') : a.getVariable('ringback');
      const ringback = Boolean(ringbackTone);
      const instant = switchTrue(a.getVariable('instant_ringback') ?? planVariable(plan, 'instant_ringback'));
      const media = core.media;
      // Media steps for the caller run one after the other (each may wait for RTP ports).
      const caller = new CallerMedia(a, core);
      // Only one callee's early media reaches the caller: the first to send some.
      let earlyFrom: Channel | undefined;
      const ring = () => {
        if (a.hungUp) return;
        if (ringbackTone && caller.canPlay()) caller.ringback(ringbackTone);
        else if (!a.answered && a.callState !== 'RINGING' && a.callState !== 'EARLY') a.ringReady();
      };
      if (instant) ring();
      const legs: Channel[] = [];
      // A transfer of the caller while its callees ring cancels them (the caller did not hang up).
      const onAbort = () => {
        for (const leg of legs) if (!leg.hungUp) leg.hangup('ORIGINATOR_CANCEL');
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      let result: Awaited<ReturnType<typeof core.originate>>;
      try {
        result = await core.originate(plan, {
          originator: a,
          timeoutSec: ringTimeSec(a, plan),
          sdp: a.remoteSdp,
          onLeg: (leg) => legs.push(leg),
          onProgress: (leg, kind, sdp) => {
            if (a.hungUp) return;
            if (a.answered) return ring(); // transferred: transfer_ringback, if any
            const passMedia = kind === 'earlyMedia' && sdp !== undefined && !ignoreEarly && (!ringback || bridgeEarly);
            if (passMedia && (earlyFrom === undefined || earlyFrom === leg)) {
              earlyFrom = leg;
              caller.early(leg, sdp); // the callee's early media (announcements, its ringback) to the caller
            } else {
              ring();
            }
          },
        });
      } finally {
        ctx.signal.removeEventListener('abort', onAbort);
      }
      await caller.settled();
      caller.stopRingback();
      if (!result.ok) return fail(a, result.cause, result.sipStatus, ctx.signal);
      const b = result.channel;
      if (a.hungUp || ctx.signal.aborted) {
        b.hangup(a.hungUp ? 'ORIGINATOR_CANCEL' : 'NORMAL_CLEARING');
        return '';
      }
      a.setVariable('originate_disposition', 'SUCCESS');
      a.setVariable('DIALSTATUS', 'SUCCESS');
      a.setVariable('originate_failed_cause', undefined);
      if (!(await caller.answer(b))) {
        if (!b.hungUp) b.hangup(a.hungUp ? 'ORIGINATOR_CANCEL' : 'INCOMPATIBLE_DESTINATION');
        return '';
      }
      const ended = await core.bridge(a, b);
      media?.unjoin(a);
      // A transfer (REFER) took the other party away: the leg that handles it ends this one.
      if (a.getVariable('transfer_disposition') && !a.hungUp) {
        await untilAborted(ctx.signal);
        return '';
      }
      if (ended.endedBy === b && !a.hungUp) {
        a.setVariable('last_bridge_hangup_cause', b.hangupCause ?? 'NORMAL_CLEARING');
        const proto = b.getVariable('proto_specific_hangup_cause');
        if (proto) a.setVariable('last_bridge_proto_specific_hangup_cause', proto);
        if (ctx.signal.aborted) return ''; // the caller is being transferred as well (-both)
        afterBridge(a, b, ctx);
        if (a.isTrue('park_after_bridge') && !a.hungUp) await park(a, ctx.signal);
      } else if (ended.endedBy === a && !b.hungUp && !core.isExecuting(b) && !b.getVariable('transfer_disposition')) {
        // The callee has no dialplan of its own to go on with: it ends with the caller.
        b.hangup(a.hungUp ? a.hangupCause ?? 'NORMAL_CLEARING' : 'NORMAL_CLEARING');
      }
      return '';
    },
  };
}

/**
 * The caller's side of the media while a bridge sets up: ringback played here, the callee's
 * early media joined, then the answer. Steps are chained so an answer never overtakes the
 * early media before it. Without a media layer, SDP passes through as the callee sent it.
 */
class CallerMedia {
  readonly #a: Channel;
  readonly #core: CallCore;
  readonly #media: CallMedia | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #ringing: Playback | undefined;
  #ringbackAsked = false;
  #stopped = false;

  constructor(a: Channel, core: CallCore) {
    this.#a = a;
    this.#core = core;
    this.#media = core.media;
  }

  #then(step: () => Promise<void> | void): void {
    this.#chain = this.#chain.then(step).catch((err: unknown) => this.#a.log.warn({ err }, 'caller media step failed'));
  }

  /** Whether ringback can be generated here: a media layer and the caller not in bypass/proxy. */
  canPlay(): boolean {
    return this.#media !== undefined && this.#a.remoteSdp !== undefined && this.#media.modeOf(this.#a) === 'default';
  }

  /** Pre-answer the caller with our SDP and play `tone` until the callee answers or fails. */
  ringback(tone: string): void {
    if (this.#ringbackAsked) return;
    this.#ringbackAsked = true;
    const a = this.#a;
    const media = this.#media!;
    this.#then(async () => {
      if (a.hungUp || this.#stopped) return;
      const ep = await media.local(a);
      if (a.hungUp || this.#stopped) return;
      if (!a.answered && a.answerState !== 'early') a.preAnswer(a.localSdp);
      const uri = tone.startsWith('%(') ? `tone_stream://${tone}` : tone;
      const pb = await ep.media.play(uri, { loops: -1 });
      if (this.#stopped || a.hungUp) pb.stop();
      else this.#ringing = pb;
    });
  }

  stopRingback(): void {
    this.#stopped = true;
    this.#ringing?.stop();
    this.#ringing = undefined;
  }

  /** The callee's early media to the caller. */
  early(leg: Channel, sdp: Buffer): void {
    const a = this.#a;
    const media = this.#media;
    if (!media) {
      a.preAnswer(sdp);
      return;
    }
    this.#then(async () => {
      const ours = await media.answerFor(a, leg);
      if (a.answered || a.hungUp || leg.hungUp) return;
      this.#ringing?.stop();
      this.#ringing = undefined;
      media.join(a, leg);
      a.preAnswer(ours);
    });
  }

  /** Every media step queued so far has run. */
  async settled(): Promise<void> {
    await this.#chain;
  }

  /** Answer the caller with media that reaches `b`, and join them; false when it cannot be done. */
  async answer(b: Channel): Promise<boolean> {
    const a = this.#a;
    const media = this.#media;
    if (!media) {
      if (!a.answered) a.answer(b.remoteSdp);
      return true;
    }
    let sdp: Buffer | undefined;
    try {
      sdp = await media.answerFor(a, b);
    } catch (err) {
      a.log.warn({ err }, 'no media to answer the caller with');
      if (!a.answered && !a.hungUp) a.hangup('INCOMPATIBLE_DESTINATION');
      return false;
    }
    if (a.hungUp || b.hungUp) return !a.hungUp;
    if (a.answered) {
      // A caller transferred to b: its phone keeps talking to our endpoint, or (bypass) is
      // pointed at b's with a re-INVITE.
      await joinMedia(this.#core, a, b);
      return !a.hungUp;
    }
    media.join(a, b);
    a.answer(sdp);
    return true;
  }
}

/** What the caller does once its callee left: hang up, park, transfer, or the next action. */
function afterBridge(a: Channel, b: Channel, ctx: AppContext): void {
  if (a.isTrue('hangup_after_bridge')) {
    a.hangup(b.hangupCause ?? 'NORMAL_CLEARING');
    return;
  }
  if (a.isTrue('park_after_bridge')) return;
  const next = a.getVariable('transfer_after_bridge');
  if (next) {
    // `<ext>[:<dialplan>[:<context>]]` (FS) or space separated.
    const [dest, dp, cx] = next.trim().split(/[ :]+/);
    if (dest) ctx.core.transfer(a, dest, dp || undefined, cx || undefined);
  }
}

/**
 * Record why the bridge failed, then hang up unless the dialplan asked to go on. A caller
 * that is being transferred is left alone (FreeSWITCH checks CF_TRANSFER the same way).
 */
function fail(a: Channel, cause: HangupCause, sipStatus: string | undefined, signal: AbortSignal): string {
  a.setVariable('originate_failed_cause', cause);
  a.setVariable('originate_disposition', cause);
  a.setVariable('DIALSTATUS', cause);
  a.setVariable('last_bridge_hangup_cause', cause);
  a.setVariable('last_bridge_proto_specific_hangup_cause', sipStatus ? `sip:${sipStatus}` : undefined);
  a.log.info({ cause }, `Originate Failed.  Cause: ${cause}`);
  if (a.hungUp || signal.aborted) return cause;
  if (shouldContinue(a, cause, sipStatus)) return cause;
  a.hangup(cause);
  return cause;
}

/** A cause list as written in continue_on_fail / failure_causes: names, Q.850 or SIP numbers. */
function causeList(text: string): Set<string> {
  const out = new Set<string>();
  for (const raw of text.split(/[,|]/)) {
    const t = raw.trim();
    if (!t) continue;
    if (/^\d+$/.test(t)) {
      out.add(t);
      continue;
    }
    const upper = t.toUpperCase();
    out.add(isHangupCause(upper) ? upper : parseCause(t));
  }
  return out;
}

/** Whether the dialplan goes on after a failed bridge with `cause` (spec §4.4). */
export function shouldContinue(a: Channel, cause: HangupCause, sipStatus: string | undefined): boolean {
  if (cause === 'ATTENDED_TRANSFER') return false;
  const matches = (list: Set<string>) => list.has(cause) || list.has(String(causeCode(cause))) || (sipStatus !== undefined && list.has(sipStatus));
  // FreeSWITCH's name is continue_on_fail; call-centre guides also write continue_on_failure.
  const cof = a.getVariable('continue_on_fail') ?? a.getVariable('continue_on_failure');
  if (cof !== undefined) {
    if (switchTrue(cof.trim())) return true;
    if (/^(false|no|off|0)$/i.test(cof.trim())) return false;
    return matches(causeList(cof));
  }
  const failureCauses = a.getVariable('failure_causes');
  if (failureCauses !== undefined) return !matches(causeList(failureCauses));
  return DEFAULT_CONTINUE.has(cause);
}

async function park(a: Channel, signal: AbortSignal): Promise<void> {
  a.setState('CS_PARK');
  await untilAborted(signal);
}
