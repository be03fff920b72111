// The hangup cause table (spec §8) and the Reason header rules (spec §5.7).

import { describe, expect, it } from 'vitest';
import {
  buildReasonHeader,
  causeCode,
  causeFromCode,
  causeFromReasonHeader,
  causeFromSip,
  causeToSipStatus,
  HANGUP_CAUSES,
  hangupCauseQ850,
  parseCause,
  parseReasonHeader,
  sipStatusToCause,
  type HangupCause,
} from '../../../src/b2bua/causes.js';

describe('cause table', () => {
  it.each<[HangupCause, number, number]>([
    ['NONE', 0, 480],
    ['UNALLOCATED_NUMBER', 1, 404],
    ['NO_ROUTE_TRANSIT_NET', 2, 404],
    ['NO_ROUTE_DESTINATION', 3, 404],
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
    ['NORMAL_UNSPECIFIED', 31, 480],
    ['NORMAL_CIRCUIT_CONGESTION', 34, 503],
    ['NETWORK_OUT_OF_ORDER', 38, 503],
    ['NORMAL_TEMPORARY_FAILURE', 41, 503],
    ['SWITCH_CONGESTION', 42, 503],
    ['REQUESTED_CHAN_UNAVAIL', 44, 503],
    ['OUTGOING_CALL_BARRED', 52, 403],
    ['INCOMING_CALL_BARRED', 54, 403],
    ['BEARERCAPABILITY_NOTAUTH', 57, 403],
    ['BEARERCAPABILITY_NOTAVAIL', 58, 503],
    ['SERVICE_UNAVAILABLE', 63, 480],
    ['BEARERCAPABILITY_NOTIMPL', 65, 488],
    ['FACILITY_NOT_IMPLEMENTED', 69, 501],
    ['SERVICE_NOT_IMPLEMENTED', 79, 501],
    ['INCOMPATIBLE_DESTINATION', 88, 488],
    ['INVALID_MSG_UNSPECIFIED', 95, 480],
    ['MANDATORY_IE_MISSING', 96, 480],
    ['WRONG_CALL_STATE', 101, 480],
    ['RECOVERY_ON_TIMER_EXPIRE', 102, 504],
    ['INTERWORKING', 127, 480],
    ['SUCCESS', 142, 480],
    ['ORIGINATOR_CANCEL', 487, 487],
    ['CRASH', 700, 480],
    ['LOSE_RACE', 702, 480],
    ['MANAGER_REQUEST', 703, 480],
    ['BLIND_TRANSFER', 800, 480],
    ['ATTENDED_TRANSFER', 801, 480],
    ['ALLOTTED_TIMEOUT', 802, 480],
    ['PICKED_OFF', 805, 480],
    ['USER_NOT_REGISTERED', 806, 480],
    ['PROGRESS_TIMEOUT', 807, 480],
    ['INVALID_GATEWAY', 808, 484],
    ['GATEWAY_DOWN', 809, 503],
    ['INVALID_URL', 810, 484],
    ['INVALID_PROFILE', 811, 502],
    ['NO_PICKUP', 812, 480],
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
  ])('%s is %i and rejects an inbound leg with %i', (cause, code, sip) => {
    expect(causeCode(cause)).toBe(code);
    expect(causeFromCode(code)).toBe(cause);
    expect(causeToSipStatus(cause)).toBe(sip);
  });

  it('has unique names and numbers', () => {
    expect(new Set(HANGUP_CAUSES).size).toBe(HANGUP_CAUSES.length);
    expect(new Set(HANGUP_CAUSES.map(causeCode)).size).toBe(HANGUP_CAUSES.length);
    expect(HANGUP_CAUSES).toHaveLength(82);
  });

  it('knows no cause for an unused number', () => {
    expect(causeFromCode(4)).toBeUndefined();
    expect(causeFromCode(999)).toBeUndefined();
  });
});

describe('received SIP status → cause', () => {
  it.each<[number, HangupCause]>([
    [200, 'NORMAL_CLEARING'],
    [400, 'NORMAL_TEMPORARY_FAILURE'],
    [401, 'CALL_REJECTED'],
    [402, 'CALL_REJECTED'],
    [403, 'CALL_REJECTED'],
    [404, 'UNALLOCATED_NUMBER'],
    [405, 'SERVICE_UNAVAILABLE'],
    [406, 'SERVICE_NOT_IMPLEMENTED'],
    [407, 'CALL_REJECTED'],
    [408, 'RECOVERY_ON_TIMER_EXPIRE'],
    [410, 'NUMBER_CHANGED'],
    [413, 'INTERWORKING'],
    [414, 'INTERWORKING'],
    [415, 'SERVICE_NOT_IMPLEMENTED'],
    [416, 'INTERWORKING'],
    [420, 'INTERWORKING'],
    [421, 'INTERWORKING'],
    [423, 'INTERWORKING'],
    [428, 'NO_IDENTITY'],
    [429, 'BAD_IDENTITY_INFO'],
    [437, 'UNSUPPORTED_CERTIFICATE'],
    [438, 'INVALID_IDENTITY'],
    [480, 'NO_USER_RESPONSE'],
    [481, 'NORMAL_TEMPORARY_FAILURE'],
    [482, 'EXCHANGE_ROUTING_ERROR'],
    [483, 'EXCHANGE_ROUTING_ERROR'],
    [484, 'INVALID_NUMBER_FORMAT'],
    [485, 'NO_ROUTE_DESTINATION'],
    [486, 'USER_BUSY'],
    [487, 'ORIGINATOR_CANCEL'],
    [488, 'INCOMPATIBLE_DESTINATION'],
    [500, 'NORMAL_TEMPORARY_FAILURE'],
    [501, 'SERVICE_NOT_IMPLEMENTED'],
    [502, 'NETWORK_OUT_OF_ORDER'],
    [503, 'NORMAL_TEMPORARY_FAILURE'],
    [504, 'RECOVERY_ON_TIMER_EXPIRE'],
    [505, 'INTERWORKING'],
    [513, 'INTERWORKING'],
    [600, 'USER_BUSY'],
    [603, 'CALL_REJECTED'],
    [604, 'NO_ROUTE_DESTINATION'],
    [606, 'INCOMPATIBLE_DESTINATION'],
    [607, 'UNWANTED'],
    [608, 'CALL_REJECTED'],
    [409, 'NORMAL_UNSPECIFIED'],
    [422, 'NORMAL_UNSPECIFIED'],
    [580, 'NORMAL_UNSPECIFIED'],
    [699, 'NORMAL_UNSPECIFIED'],
  ])('%i → %s', (status, cause) => {
    expect(sipStatusToCause(status)).toBe(cause);
  });
});

describe('Reason header', () => {
  it('parses a list of reasons with quoted text holding separators', () => {
    expect(parseReasonHeader('SIP;cause=200;text="Call completed, elsewhere; ok", Q.850 ; cause=16 ;text="NORMAL_CLEARING"')).toEqual([
      { protocol: 'SIP', cause: 200, text: 'Call completed, elsewhere; ok' },
      { protocol: 'Q.850', cause: 16, text: 'NORMAL_CLEARING' },
    ]);
  });

  it('survives garbage', () => {
    expect(parseReasonHeader('')).toEqual([]);
    expect(parseReasonHeader(';;;,,,"')).toEqual([]);
    expect(parseReasonHeader('Q.850;cause=abc')).toEqual([{ protocol: 'Q.850', cause: undefined, text: undefined }]);
  });

  it('a Q.850 cause overrides the status mapping', () => {
    expect(causeFromSip(480, 'Q.850;cause=17;text="USER_BUSY"')).toBe('USER_BUSY');
    expect(causeFromSip(200, 'q.850;cause=31')).toBe('NORMAL_UNSPECIFIED');
    expect(causeFromSip(487, 'SIP;cause=200;text="Call completed elsewhere", Q.850;cause=26')).toBe('ORIGINATOR_CANCEL');
  });

  it('falls back to the status mapping without a usable Q.850 reason', () => {
    expect(causeFromSip(486)).toBe('USER_BUSY');
    expect(causeFromSip(200, 'SIP;cause=200;text="Call completed elsewhere"')).toBe('NORMAL_CLEARING');
    expect(causeFromSip(503, 'Q.850;cause=5')).toBe('NORMAL_TEMPORARY_FAILURE');
    expect(causeFromReasonHeader(undefined)).toBeUndefined();
  });

  it.each<[HangupCause, string]>([
    ['NORMAL_CLEARING', 'Q.850;cause=16;text="NORMAL_CLEARING"'],
    ['USER_BUSY', 'Q.850;cause=17;text="USER_BUSY"'],
    ['INTERWORKING', 'Q.850;cause=127;text="INTERWORKING"'],
    ['ORIGINATOR_CANCEL', 'SIP;cause=487;text="ORIGINATOR_CANCEL"'],
    ['USER_NOT_REGISTERED', 'SIP;cause=806;text="USER_NOT_REGISTERED"'],
    ['PICKED_OFF', 'SIP;cause=200;text="Call completed elsewhere"'],
    ['LOSE_RACE', 'SIP;cause=200;text="Call completed elsewhere"'],
  ])('a BYE/CANCEL for %s carries Reason: %s', (cause, header) => {
    expect(buildReasonHeader(cause)).toBe(header);
  });
});

describe('hangup_cause_q850', () => {
  it.each<[HangupCause, number]>([
    ['NORMAL_CLEARING', 16],
    ['USER_BUSY', 17],
    ['INTERWORKING', 127],
    ['SUCCESS', 16],
    ['ORIGINATOR_CANCEL', 16],
    ['PICKED_OFF', 16],
  ])('%s → %i', (cause, q850) => {
    expect(hangupCauseQ850(cause)).toBe(q850);
  });
});

describe('parseCause', () => {
  it.each<[string, HangupCause]>([
    ['USER_BUSY', 'USER_BUSY'],
    ['user_busy', 'USER_BUSY'],
    [' Call_Rejected ', 'CALL_REJECTED'],
    ['17', 'USER_BUSY'],
    ['487', 'ORIGINATOR_CANCEL'],
    ['999', 'NORMAL_CLEARING'],
    ['NOT_A_CAUSE', 'NORMAL_CLEARING'],
    ['', 'NORMAL_CLEARING'],
  ])('%j → %s', (text, cause) => {
    expect(parseCause(text)).toBe(cause);
  });
});
