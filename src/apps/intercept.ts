// `intercept [-bleg] <uuid>` (spec §4.2): call pickup. The channel running it takes over the
// call `<uuid>` names — in the shipped dialplan the caller (A-leg) of the last call that rang
// an extension, a call group or anywhere (886, *8, **<ext>, read from the hash the Local_Extension
// bookkeeping writes). The phones still ringing for that caller are cancelled with
// PICKED_OFF (`Reason: SIP;cause=200;text="Call completed elsewhere"`, so they do not log a
// missed call), the caller is answered and bridged to the picker. With `-bleg` the uuid is
// taken to be the callee's leg and its caller is picked up.
//
// Only a call that is still ringing can be picked up: once a callee has answered, the call is
// theirs (a pickup racing the answer gets exactly one winner, the other a clean failure). With
// nothing to pick up, an unanswered picker is refused with UNALLOCATED_NUMBER (404) rather
// than answered into silence.

import { answerEachOther, joinMedia, type AppContext, type Application, type Channel } from '../b2bua/index.js';

/** How long the takeover may wait for the two channels to leave what they run. */
const TAKEOVER_MS = 2000;

function fail(ch: Channel, why: string): string {
  ch.log.info({ why }, 'intercept: nothing to pick up');
  if (!ch.answered && !ch.hungUp) ch.hangup('UNALLOCATED_NUMBER');
  return `-ERR ${why}`;
}

export const interceptApp: Application = {
  name: 'intercept',
  async run(ch: Channel, data: string, ctx: AppContext): Promise<string> {
    const core = ctx.core;
    const args = data.trim().split(/\s+/).filter(Boolean);
    const bleg = args[0] === '-bleg';
    if (bleg) args.shift();
    let target = args[0] ? core.channel(args[0]) : undefined;
    if (target && bleg) target = target.originator ?? target.partner;
    if (!target || target.hungUp) return fail(ch, 'no such call');
    if (target === ch) return fail(ch, 'a call cannot pick itself up');
    // (A caller being transferred is answered already but still rings someone: it can be picked up.)
    if (target.partner) return fail(ch, 'the call was already answered');
    const ringing = [...core.channels()].filter((c) => c.originator === target && !c.hungUp);
    if (ringing.some((c) => c.answered)) return fail(ch, 'the call was already answered');
    if (ringing.length === 0) return fail(ch, 'nothing is ringing for that call');
    ch.setVariable('intercepted_uuid', target.uuid);
    target.setVariable('intercepted_by', ch.uuid);
    // One synchronous step: the ringing phones are cancelled and the caller taken off its
    // bridge before any answer from those phones can be handled.
    for (const leg of ringing) leg.hangup('PICKED_OFF');
    const held = await core.takeover.hold(core, target, ch, TAKEOVER_MS);
    if (!held || target.hungUp) {
      if (!target.hungUp) target.hangup('NORMAL_TEMPORARY_FAILURE');
      return fail(ch, 'the call could not be taken over');
    }
    if (ch.hungUp || ctx.signal.aborted) {
      target.hangup('ORIGINATOR_CANCEL');
      return '';
    }
    // Both are answered here: the caller with media towards the picker, and the picker.
    const answered = await answerEachOther(core, target, ch);
    if (answered === 'no-media') {
      target.hangup('INCOMPATIBLE_DESTINATION');
      return fail(ch, 'no media in common');
    }
    if (answered === 'gone') {
      if (!target.hungUp) target.hangup('NORMAL_CLEARING');
      return '';
    }
    await joinMedia(core, ch, target);
    const ended = await core.bridge(ch, target);
    core.media?.unjoin(ch);
    // The picked-up caller has nothing else to do once the picker hangs up, and vice versa.
    if (ended.endedBy === ch && !target.hungUp) target.hangup(ch.hangupCause ?? 'NORMAL_CLEARING');
    else if (ended.endedBy === target && !ch.hungUp && !ctx.signal.aborted) ch.hangup(target.hangupCause ?? 'NORMAL_CLEARING');
    return '+OK';
  },
};
