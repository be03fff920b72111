// Channel events in FreeSWITCH's shape (spec §7.5–7.6): the channel data headers
// (Channel-State, Unique-ID, Answer-State …), the caller profile as Caller-*, the bridged
// partner's as Other-Leg-*, and `variable_<name>` for every variable on the events that carry
// them. Built only when someone listens.

import type { EventBus, EventHeaders } from '../common/index.js';
import type { Channel } from './channel.js';

/** Events that carry every channel variable as `variable_*` (spec §7.6). */
const WITH_VARIABLES = new Set([
  'CHANNEL_CREATE', 'CHANNEL_ORIGINATE', 'CHANNEL_UUID', 'CHANNEL_ANSWER', 'CHANNEL_PARK', 'CHANNEL_UNPARK',
  'CHANNEL_BRIDGE', 'CHANNEL_UNBRIDGE', 'CHANNEL_PROGRESS', 'CHANNEL_PROGRESS_MEDIA', 'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE', 'CHANNEL_DATA', 'CHANNEL_EXECUTE', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_DESTROY',
  'SESSION_HEARTBEAT', 'REQUEST_PARAMS', 'API',
]);

const t = (us: number) => String(us);

function profileHeaders(out: EventHeaders, prefix: string, ch: Channel): void {
  const p = ch.profile;
  out.push(
    [`${prefix}-Direction`, ch.direction],
    [`${prefix}-Logical-Direction`, ch.direction],
    [`${prefix}-Username`, p.username],
    [`${prefix}-Dialplan`, p.dialplan],
    [`${prefix}-Caller-ID-Name`, p.callerIdName],
    [`${prefix}-Caller-ID-Number`, p.callerIdNumber],
    [`${prefix}-Orig-Caller-ID-Name`, p.origCallerIdName],
    [`${prefix}-Orig-Caller-ID-Number`, p.origCallerIdNumber],
    [`${prefix}-Callee-ID-Name`, p.calleeIdName],
    [`${prefix}-Callee-ID-Number`, p.calleeIdNumber],
    [`${prefix}-Network-Addr`, p.networkAddr],
    [`${prefix}-ANI`, p.ani],
    [`${prefix}-Destination-Number`, p.destinationNumber],
    [`${prefix}-Unique-ID`, ch.uuid],
    [`${prefix}-Source`, p.source],
    [`${prefix}-Transfer-Source`, p.transferSource],
    [`${prefix}-Context`, p.context],
    [`${prefix}-RDNIS`, p.rdnis],
    [`${prefix}-Channel-Name`, ch.name],
    [`${prefix}-Profile-Index`, String(p.profileIndex)],
    [`${prefix}-Profile-Created-Time`, t(ch.times.profileCreated)],
    [`${prefix}-Channel-Created-Time`, t(ch.times.created)],
    [`${prefix}-Channel-Answered-Time`, t(ch.times.answered)],
    [`${prefix}-Channel-Progress-Time`, t(ch.times.progress)],
    [`${prefix}-Channel-Progress-Media-Time`, t(ch.times.progressMedia)],
    [`${prefix}-Channel-Hangup-Time`, t(ch.times.hangup)],
    [`${prefix}-Channel-Transfer-Time`, t(ch.times.transfer)],
    [`${prefix}-Channel-Resurrect-Time`, t(ch.times.resurrect)],
    [`${prefix}-Channel-Bridged-Time`, t(ch.times.bridged)],
    [`${prefix}-Channel-Last-Hold`, t(ch.times.lastHold)],
    [`${prefix}-Channel-Hold-Accum`, t(ch.times.holdAccum)],
  );
}

/** The channel data block of every channel event. */
export function channelDataHeaders(ch: Channel, eventName: string): EventHeaders {
  const out: EventHeaders = [
    ['Channel-State', ch.state],
    ['Channel-Call-State', ch.callState],
    ['Channel-State-Number', String(ch.stateNumber)],
    ['Channel-Name', ch.name],
    ['Unique-ID', ch.uuid],
    ['Call-Direction', ch.direction],
    ['Presence-Call-Direction', ch.direction],
    ['Channel-HIT-Dialplan', ch.direction === 'inbound' ? 'true' : 'false'],
    ['Channel-Presence-ID', ch.getVariable('presence_id') ?? ''],
    ['Channel-Call-UUID', ch.getVariable('call_uuid') ?? ch.uuid],
    ['Answer-State', ch.answerState],
  ];
  if (ch.hangupCause) out.push(['Hangup-Cause', ch.hangupCause]);
  const readCodec = ch.getVariable('read_codec');
  if (readCodec) {
    out.push(['Channel-Read-Codec-Name', readCodec], ['Channel-Read-Codec-Rate', ch.getVariable('read_rate') ?? '8000']);
  }
  const writeCodec = ch.getVariable('write_codec');
  if (writeCodec) {
    out.push(['Channel-Write-Codec-Name', writeCodec], ['Channel-Write-Codec-Rate', ch.getVariable('write_rate') ?? '8000']);
  }
  profileHeaders(out, 'Caller', ch);
  const other = ch.partner ?? ch.originator;
  if (other) {
    out.push(['Other-Type', ch.direction === 'outbound' ? 'originator' : 'originatee']);
    profileHeaders(out, 'Other-Leg', other);
  }
  if (WITH_VARIABLES.has(eventName)) {
    for (const [k, v] of ch.variables) out.push([`variable_${k}`, v]);
  }
  return out;
}

/** Publish a channel event when someone listens; `extra` headers come after the channel data. */
export function publishChannelEvent(bus: EventBus, eventName: string, ch: Channel, extra: EventHeaders = [], func = 'switch_channel'): void {
  if (!bus.hasSubscribers) return;
  const headers = channelDataHeaders(ch, eventName);
  for (const h of extra) headers.push(h);
  bus.publish(eventName, headers, { origin: { file: 'b2bua/core.ts', func } });
}
