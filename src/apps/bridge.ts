// `bridge <dial string>` (spec §4.4): originate the legs, relay their ringing and early media
// to the caller, answer the caller with the winner's media and bridge the two until one hangs
// up. On failure, set the originate variables and hang up or continue by continue_on_fail /
// failure_causes; after the bridge, hangup_after_bridge / park_after_bridge /
// transfer_after_bridge decide what the caller does next.

import type { AppContext, Application, Channel, HangupCause } from '../b2bua/index.js';
import { causeCode, isHangupCause, parseCause } from '../b2bua/index.js';
import type { ConfigTree } from '../config/index.js';
import { resolveDialString } from './resolve.js';

/** Causes after which the dialplan goes on when nothing says otherwise (spec §4.4). */
const DEFAULT_CONTINUE: ReadonlySet<HangupCause> = new Set(['NO_ANSWER', 'NO_USER_RESPONSE', 'ORIGINATOR_CANCEL']);

export function bridgeApp(config: () => ConfigTree): Application {
  return {
    name: 'bridge',
    async run(a: Channel, data: string, ctx: AppContext): Promise<string> {
      const core = ctx.core;
      const plan = resolveDialString(data, { core, config, channel: a });
      if ('error' in plan) {
        a.log.warn({ dial: data, err: plan.error }, 'bad dial string');
        return fail(a, plan.cause, undefined);
      }
      const timeoutSec = Number(a.getVariable('call_timeout') ?? plan.variables.originate_timeout ?? plan.variables.call_timeout ?? 60) || 60;
      const ignoreEarly = a.isTrue('ignore_early_media') || plan.variables.ignore_early_media === 'true';
      const result = await core.originate(plan, {
        originator: a,
        timeoutSec,
        sdp: a.remoteSdp,
        onProgress: (leg, kind, sdp) => {
          if (a.answered || a.hungUp) return;
          if (kind === 'earlyMedia' && sdp && !ignoreEarly && !a.getVariable('ringback')) {
            a.preAnswer(sdp); // bypass: the callee's early media goes straight to the caller
          } else if (a.callState !== 'RINGING' && a.callState !== 'EARLY') {
            a.ringReady();
          }
          void leg;
        },
      });
      if (!result.ok) return fail(a, result.cause, result.sipStatus);
      const b = result.channel;
      if (a.hungUp) {
        b.hangup('ORIGINATOR_CANCEL');
        return '';
      }
      a.setVariable('originate_disposition', 'SUCCESS');
      a.setVariable('DIALSTATUS', 'SUCCESS');
      if (!a.answered) a.answer(b.remoteSdp);
      const ended = await core.bridge(a, b);
      if (ended.endedBy === b && !a.hungUp) {
        a.setVariable('last_bridge_hangup_cause', b.hangupCause);
        const proto = b.getVariable('proto_specific_hangup_cause');
        if (proto) a.setVariable('last_bridge_proto_specific_hangup_cause', proto);
        if (a.isTrue('hangup_after_bridge')) a.hangup(b.hangupCause ?? 'NORMAL_CLEARING');
        else if (a.isTrue('park_after_bridge')) await park(a);
        else {
          const next = a.getVariable('transfer_after_bridge');
          if (next) {
            const [dest, dp, ctxName] = next.split(/[ :]/);
            core.transfer(a, dest ?? '', dp, ctxName);
          }
        }
      } else if (ended.endedBy === a && !b.hungUp) {
        b.hangup(a.hangupCause ?? 'NORMAL_CLEARING');
      }
      return '';
    },
  };
}

/** Record why the bridge failed, then hang up unless the dialplan asked to go on. */
function fail(a: Channel, cause: HangupCause, sipStatus: string | undefined): string {
  a.setVariable('originate_failed_cause', cause);
  a.setVariable('originate_disposition', cause);
  a.setVariable('DIALSTATUS', cause);
  a.setVariable('last_bridge_hangup_cause', cause);
  if (sipStatus) a.setVariable('last_bridge_proto_specific_hangup_cause', `sip:${sipStatus}`);
  a.log.info({ cause }, `Originate Failed.  Cause: ${cause}`);
  if (a.hungUp) return cause;
  if (shouldContinue(a, cause, sipStatus)) return cause;
  a.hangup(cause);
  return cause;
}

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

function shouldContinue(a: Channel, cause: HangupCause, sipStatus: string | undefined): boolean {
  if (cause === 'ATTENDED_TRANSFER') return false;
  const matches = (list: Set<string>) => list.has(cause) || list.has(String(causeCode(cause))) || (sipStatus !== undefined && list.has(sipStatus));
  // FreeSWITCH's name is continue_on_fail; call-centre guides also write continue_on_failure.
  const cof = a.getVariable('continue_on_fail') ?? a.getVariable('continue_on_failure');
  if (cof !== undefined) {
    if (/^(true|yes|on|1)$/i.test(cof.trim())) return true;
    if (/^(false|no|off|0)$/i.test(cof.trim())) return false;
    return matches(causeList(cof));
  }
  const failureCauses = a.getVariable('failure_causes');
  if (failureCauses !== undefined) return !matches(causeList(failureCauses));
  return DEFAULT_CONTINUE.has(cause);
}

function park(a: Channel): Promise<void> {
  a.setState('CS_PARK');
  return new Promise((resolve) => {
    if (a.hungUp) return resolve();
    a.signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
