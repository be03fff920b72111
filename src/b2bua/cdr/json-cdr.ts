// The JSON CDR of one leg in mod_json_cdr's shape (spec §9.3): core-uuid and switchname,
// channel_data, every channel variable (URL-encoded by default), the application log when the
// channel keeps one, and one callflow entry with the caller profile (and the other leg's as
// originator/originatee) and the profile times in microseconds. Media statistics (callStats)
// and per-transfer profile history are not kept by the core yet, so they are not written.

import type { Channel, CallerProfile } from '../channel.js';
import { fsUrlEncode } from '../../common/index.js';

/** The caller-profile block of a callflow (FS switch_ivr_set_json_profile_data field order). */
export interface JsonCallerProfile {
  username: string;
  dialplan: string;
  caller_id_name: string;
  ani: string;
  aniii: string;
  caller_id_number: string;
  network_addr: string;
  rdnis: string;
  destination_number: string;
  uuid: string;
  source: string;
  context: string;
  chan_name: string;
}

export function jsonCallerProfile(uuid: string, name: string, p: CallerProfile): JsonCallerProfile {
  return {
    username: p.username,
    dialplan: p.dialplan,
    caller_id_name: p.callerIdName,
    ani: p.ani,
    aniii: p.aniii,
    caller_id_number: p.callerIdNumber,
    network_addr: p.networkAddr,
    rdnis: p.rdnis,
    destination_number: p.destinationNumber,
    uuid,
    source: p.source,
    context: p.context,
    chan_name: name,
  };
}

export interface JsonCdrInput {
  channel: Channel;
  coreUuid: string;
  switchname: string;
  encodeValues: boolean;
  /** The other leg's profile: originator for a B-leg, originatee for an A-leg. */
  other?: { role: 'originator' | 'originatee'; profile: JsonCallerProfile };
  /** Applications run on the channel, when known: name, data, µs stamp. */
  appLog?: ReadonlyArray<{ app: string; data: string; stampUs: number }>;
}

const q = JSON.stringify;

/**
 * The document text. Variables are written by hand in channel order (an object would move
 * integer-like names to the front); the rest through JSON.stringify, unformatted as FS writes it.
 */
export function buildJsonCdr(input: JsonCdrInput): string {
  const ch = input.channel;
  const channelData = {
    state: ch.state,
    direction: ch.direction,
    state_number: String(ch.stateNumber),
    flags: '',
    caps: '',
  };
  const vars: string[] = [];
  for (const [k, v] of ch.variables) vars.push(`${q(k)}:${q(input.encodeValues ? fsUrlEncode(v) : v)}`);
  const profile: Record<string, unknown> = { ...jsonCallerProfile(ch.uuid, ch.name, ch.profile) };
  if (input.other) profile[input.other.role] = { [`${input.other.role}_caller_profiles`]: [input.other.profile] };
  const t = ch.times;
  const callflow = {
    dialplan: ch.profile.dialplan,
    profile_index: String(ch.profile.profileIndex),
    extension: { name: ch.getVariable('current_extension') ?? '', number: ch.profile.destinationNumber },
    caller_profile: profile,
    times: {
      created_time: String(t.created),
      profile_created_time: String(t.profileCreated),
      progress_time: String(t.progress),
      progress_media_time: String(t.progressMedia),
      answered_time: String(t.answered),
      bridged_time: String(t.bridged),
      last_hold_time: String(t.lastHold),
      hold_accum_time: String(t.holdAccum),
      hangup_time: String(t.hangup),
      resurrect_time: String(t.resurrect),
      transfer_time: String(t.transfer),
    },
  };
  let out = `{"core-uuid":${q(input.coreUuid)},"switchname":${q(input.switchname)},"channel_data":${q(channelData)},"variables":{${vars.join(',')}}`;
  if (input.appLog && input.appLog.length > 0) {
    const apps = input.appLog.map((a) => ({ app_name: a.app, app_data: a.data, app_stamp: String(a.stampUs) }));
    out += `,"app_log":${q({ applications: apps })}`;
  }
  out += `,"callflow":[${q(callflow)}]}`;
  return out;
}
