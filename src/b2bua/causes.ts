// Hangup causes (Q.850 names and numbers plus FS's own 487/7xx/8xx) and their SIP mapping
// (spec §8, §5.7): cause → SIP status when we reject an unanswered inbound leg, received SIP
// status → cause (default NORMAL_UNSPECIFIED), `Reason: Q.850;cause=N` overriding that mapping,
// `hangup_cause_q850`, the Reason header we put on BYE/CANCEL, and cause parsing for app args.
// Data only: no channel, no SIP message types.

/** [name, number, SIP status sent when rejecting an unanswered inbound leg with it]. */
const CAUSE_TABLE = [
  ['NONE', 0, 480],
  ['UNALLOCATED_NUMBER', 1, 404],
  ['NO_ROUTE_TRANSIT_NET', 2, 404],
  ['NO_ROUTE_DESTINATION', 3, 404],
  ['CHANNEL_UNACCEPTABLE', 6, 480],
  ['CALL_AWARDED_DELIVERED', 7, 480],
  ['NORMAL_CLEARING', 16, 480],
  ['USER_BUSY', 17, 486],
  ['NO_USER_RESPONSE', 18, 408],
  ['NO_ANSWER', 19, 480],
  ['SUBSCRIBER_ABSENT', 20, 480],
  ['CALL_REJECTED', 21, 603],
  ['NUMBER_CHANGED', 22, 410],
  ['REDIRECTION_TO_NEW_DESTINATION', 23, 410],
  ['EXCHANGE_ROUTING_ERROR', 25, 483],
  ['DESTINATION_OUT_OF_ORDER', 27, 502],
  ['INVALID_NUMBER_FORMAT', 28, 484],
  ['FACILITY_REJECTED', 29, 501],
  ['RESPONSE_TO_STATUS_ENQUIRY', 30, 480],
  ['NORMAL_UNSPECIFIED', 31, 480],
  ['NORMAL_CIRCUIT_CONGESTION', 34, 503],
  ['NETWORK_OUT_OF_ORDER', 38, 503],
  ['NORMAL_TEMPORARY_FAILURE', 41, 503],
  ['SWITCH_CONGESTION', 42, 503],
  ['ACCESS_INFO_DISCARDED', 43, 480],
  ['REQUESTED_CHAN_UNAVAIL', 44, 503],
  ['PRE_EMPTED', 45, 480],
  ['FACILITY_NOT_SUBSCRIBED', 50, 480],
  ['OUTGOING_CALL_BARRED', 52, 403],
  ['INCOMING_CALL_BARRED', 54, 403],
  ['BEARERCAPABILITY_NOTAUTH', 57, 403],
  ['BEARERCAPABILITY_NOTAVAIL', 58, 503],
  ['SERVICE_UNAVAILABLE', 63, 480],
  ['BEARERCAPABILITY_NOTIMPL', 65, 488],
  ['CHAN_NOT_IMPLEMENTED', 66, 480],
  ['FACILITY_NOT_IMPLEMENTED', 69, 501],
  ['SERVICE_NOT_IMPLEMENTED', 79, 501],
  ['INVALID_CALL_REFERENCE', 81, 480],
  ['INCOMPATIBLE_DESTINATION', 88, 488],
  ['INVALID_MSG_UNSPECIFIED', 95, 480],
  ['MANDATORY_IE_MISSING', 96, 480],
  ['MESSAGE_TYPE_NONEXIST', 97, 480],
  ['WRONG_MESSAGE', 98, 480],
  ['IE_NONEXIST', 99, 480],
  ['INVALID_IE_CONTENTS', 100, 480],
  ['WRONG_CALL_STATE', 101, 480],
  ['RECOVERY_ON_TIMER_EXPIRE', 102, 504],
  ['MANDATORY_IE_LENGTH_ERROR', 103, 480],
  ['PROTOCOL_ERROR', 111, 480],
  ['INTERWORKING', 127, 480],
  ['SUCCESS', 142, 480],
  ['ORIGINATOR_CANCEL', 487, 487],
  ['CRASH', 700, 480],
  ['SYSTEM_SHUTDOWN', 701, 480],
  ['LOSE_RACE', 702, 480],
  ['MANAGER_REQUEST', 703, 480],
  ['BLIND_TRANSFER', 800, 480],
  ['ATTENDED_TRANSFER', 801, 480],
  ['ALLOTTED_TIMEOUT', 802, 480],
  ['USER_CHALLENGE', 803, 480],
  ['MEDIA_TIMEOUT', 804, 480],
  ['PICKED_OFF', 805, 480],
  ['USER_NOT_REGISTERED', 806, 480],
  ['PROGRESS_TIMEOUT', 807, 480],
  ['INVALID_GATEWAY', 808, 484],
  ['GATEWAY_DOWN', 809, 503],
  ['INVALID_URL', 810, 484],
  ['INVALID_PROFILE', 811, 502],
  ['NO_PICKUP', 812, 480],
  ['SRTP_READ_ERROR', 813, 480],
  ['BOWOUT', 814, 480],
  ['BUSY_EVERYWHERE', 815, 600],
  ['DECLINE', 816, 603],
  ['DOES_NOT_EXIST_ANYWHERE', 817, 604],
  ['NOT_ACCEPTABLE', 818, 606],
  ['UNWANTED', 819, 607],
  ['NO_IDENTITY', 820, 428],
  ['BAD_IDENTITY_INFO', 821, 429],
  ['UNSUPPORTED_CERTIFICATE', 822, 437],
  ['INVALID_IDENTITY', 823, 438],
  ['STALE_DATE', 824, 403],
  ['REJECT_ALL', 825, 603],
] as const;

export type HangupCause = (typeof CAUSE_TABLE)[number][0];

/** Every cause name, in number order. */
export const HANGUP_CAUSES: readonly HangupCause[] = CAUSE_TABLE.map((row) => row[0]);

/** Received SIP status → cause (anything not listed maps to NORMAL_UNSPECIFIED). */
const SIP_STATUS_TO_CAUSE: ReadonlyArray<readonly [HangupCause, readonly number[]]> = [
  ['NORMAL_CLEARING', [200]],
  ['UNALLOCATED_NUMBER', [404]],
  ['NO_ROUTE_DESTINATION', [485, 604]],
  ['USER_BUSY', [486, 600]],
  ['NO_USER_RESPONSE', [480]],
  ['CALL_REJECTED', [401, 402, 403, 407, 603, 608]],
  ['NUMBER_CHANGED', [410]],
  ['EXCHANGE_ROUTING_ERROR', [482, 483]],
  ['INVALID_NUMBER_FORMAT', [484]],
  ['NETWORK_OUT_OF_ORDER', [502]],
  ['NORMAL_TEMPORARY_FAILURE', [400, 481, 500, 503]],
  ['SERVICE_UNAVAILABLE', [405]],
  ['SERVICE_NOT_IMPLEMENTED', [406, 415, 501]],
  ['INCOMPATIBLE_DESTINATION', [488, 606]],
  ['RECOVERY_ON_TIMER_EXPIRE', [408, 504]],
  ['INTERWORKING', [413, 414, 416, 420, 421, 423, 505, 513]],
  ['ORIGINATOR_CANCEL', [487]],
  ['UNWANTED', [607]],
  ['NO_IDENTITY', [428]],
  ['BAD_IDENTITY_INFO', [429]],
  ['UNSUPPORTED_CERTIFICATE', [437]],
  ['INVALID_IDENTITY', [438]],
];

const BY_NAME = new Map<string, { code: number; sip: number }>(CAUSE_TABLE.map(([n, code, sip]) => [n, { code, sip }]));
const BY_CODE = new Map<number, HangupCause>(CAUSE_TABLE.map(([n, code]) => [code, n]));
const BY_SIP = new Map<number, HangupCause>(SIP_STATUS_TO_CAUSE.flatMap(([cause, statuses]) => statuses.map((s) => [s, cause] as const)));

export function isHangupCause(name: string): name is HangupCause {
  return BY_NAME.has(name);
}

/** The cause's number (USER_BUSY → 17, ORIGINATOR_CANCEL → 487). */
export function causeCode(cause: HangupCause): number {
  return BY_NAME.get(cause)!.code;
}

/** The cause with that number, undefined when there is none. */
export function causeFromCode(code: number): HangupCause | undefined {
  return BY_CODE.get(code);
}

/** `hangup_cause_q850`: the number when it is a Q.850 one (≤ 127), else 16. */
export function hangupCauseQ850(cause: HangupCause): number {
  const code = causeCode(cause);
  return code <= 127 ? code : 16;
}

/** SIP status to answer an unanswered inbound leg that ends with `cause`. */
export function causeToSipStatus(cause: HangupCause): number {
  return BY_NAME.get(cause)!.sip;
}

/** Cause for a SIP status received (final response; 200 stands for a BYE). */
export function sipStatusToCause(status: number): HangupCause {
  return BY_SIP.get(status) ?? 'NORMAL_UNSPECIFIED';
}

/** One reason of a Reason header (RFC 3326). */
export interface ReasonValue {
  /** As written: `Q.850`, `SIP`… */
  readonly protocol: string;
  readonly cause: number | undefined;
  readonly text: string | undefined;
}

/** Parse a Reason header value (a comma list; quoted text may hold commas). Never throws. */
export function parseReasonHeader(value: string): ReasonValue[] {
  const reasons: ReasonValue[] = [];
  for (const item of splitUnquoted(value, ',')) {
    const parts = splitUnquoted(item, ';').map((p) => p.trim());
    const protocol = parts[0] ?? '';
    // RFC 3326: protocol is a token (`SIP`, `Q.850`…).
    if (!/^[A-Za-z0-9.!%*_+`'~-]+$/.test(protocol)) continue;
    let cause: number | undefined;
    let text: string | undefined;
    for (const param of parts.slice(1)) {
      const eq = param.indexOf('=');
      if (eq === -1) continue;
      const name = param.slice(0, eq).trim().toLowerCase();
      const v = param.slice(eq + 1).trim();
      if (name === 'cause' && /^\d{1,5}$/.test(v)) cause = Number(v);
      else if (name === 'text') text = v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
    }
    reasons.push({ protocol, cause, text });
  }
  return reasons;
}

function splitUnquoted(text: string, sep: string): string[] {
  const out: string[] = [];
  let inQuotes = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && inQuotes) {
      i++;
      continue;
    }
    if (c === '"') inQuotes = !inQuotes;
    else if (c === sep && !inQuotes) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** The cause named by a `Q.850;cause=N` reason in a Reason header, if any (and known). */
export function causeFromReasonHeader(value: string | undefined): HangupCause | undefined {
  if (value === undefined) return undefined;
  for (const r of parseReasonHeader(value)) {
    if (r.protocol.toUpperCase() === 'Q.850' && r.cause !== undefined) {
      const cause = causeFromCode(r.cause);
      if (cause) return cause;
    }
  }
  return undefined;
}

/**
 * Cause of a received BYE/CANCEL/final response: a known Q.850 cause in its Reason header wins,
 * else the status mapping (use 200 for BYE, 487 for CANCEL).
 */
export function causeFromSip(status: number, reasonHeader?: string): HangupCause {
  return causeFromReasonHeader(reasonHeader) ?? sipStatusToCause(status);
}

/**
 * The Reason header value for a BYE or CANCEL we send (spec §5.7). The caller handles
 * `sip_reason` (override) and `disable_q850_reason=true` (no header).
 */
export function buildReasonHeader(cause: HangupCause): string {
  if (cause === 'PICKED_OFF' || cause === 'LOSE_RACE') return 'SIP;cause=200;text="Call completed elsewhere"';
  const code = causeCode(cause);
  if (code > 0 && code < 128) return `Q.850;cause=${code};text="${cause}"`;
  return `SIP;cause=${code};text="${cause}"`;
}

/**
 * A cause from an app argument or a dial string: the name in any case, or its number.
 * Anything else is NORMAL_CLEARING (spec §4.1).
 */
export function parseCause(text: string): HangupCause {
  const t = text.trim();
  if (/^\d+$/.test(t)) return causeFromCode(Number(t)) ?? 'NORMAL_CLEARING';
  const upper = t.toUpperCase();
  return isHangupCause(upper) ? upper : 'NORMAL_CLEARING';
}
