import { describe, expect, it } from 'vitest';
import {
  DTMF_CONTENT_TYPE,
  DTMF_RELAY_CONTENT_TYPE,
  DtmfError,
  DtmfReceiver,
  buildDtmfRelay,
  buildInfoDtmf,
  dtmfCharToEvent,
  dtmfEventToChar,
  parseDtmfRelay,
  parseInfoDtmf,
  parseSendDtmfArgs,
  parseTelephoneEvent,
  planDtmfPackets,
  readTelephoneEvent,
  writeTelephoneEvent,
  type DtmfDigit,
  type TelephoneEvent,
} from '../../../src/rtp/index.js';

describe('telephone-event payload (RFC 4733 §2.3)', () => {
  it('parses event, end bit, volume and duration', () => {
    // digit 5, E=1, R=0, volume 10, duration 800
    expect(parseTelephoneEvent(Uint8Array.from([0x05, 0x8a, 0x03, 0x20]))).toEqual({ event: 5, end: true, volume: 10, duration: 800 });
    // '#' (11), no end, volume 63, duration 65535; the R bit is ignored
    expect(parseTelephoneEvent(Uint8Array.from([0x0b, 0x7f, 0xff, 0xff]))).toEqual({ event: 11, end: false, volume: 63, duration: 65535 });
  });

  it('refuses a payload shorter than four octets', () => {
    expect(parseTelephoneEvent(Uint8Array.from([1, 2, 3]))).toBeUndefined();
    const out: TelephoneEvent = { event: 0, end: false, volume: 0, duration: 0 };
    expect(readTelephoneEvent(Uint8Array.from([1, 2, 3, 4]), 2, 4, out)).toBe(false);
  });

  it('writes what it parses', () => {
    const buf = new Uint8Array(8);
    expect(writeTelephoneEvent(buf, 4, 12, true, 7, 1600)).toBe(4);
    expect(parseTelephoneEvent(buf.subarray(4))).toEqual({ event: 12, end: true, volume: 7, duration: 1600 });
  });

  it.each([
    ['0', 0],
    ['9', 9],
    ['*', 10],
    ['#', 11],
    ['A', 12],
    ['d', 15],
  ])('digit %s is event %i', (ch, ev) => {
    expect(dtmfCharToEvent(ch)).toBe(ev);
    expect(dtmfEventToChar(ev)).toBe(ch.toUpperCase());
  });

  it('non-digits have no event', () => {
    expect(dtmfCharToEvent('x')).toBe(-1);
    expect(dtmfCharToEvent('12')).toBe(-1);
    expect(dtmfEventToChar(16)).toBeUndefined();
  });
});

/** Feed packets [timestamp, event, end, duration, atMs] and collect the digits. */
function feed(packets: Array<[number, number, boolean, number, number]>, opts?: { timeoutMs?: number }): { digits: DtmfDigit[]; rx: DtmfReceiver } {
  const digits: DtmfDigit[] = [];
  const rx = new DtmfReceiver((d) => digits.push(d), opts);
  for (const [ts, event, end, duration, at] of packets) rx.receive(ts, { event, end, volume: 10, duration }, at);
  return { digits, rx };
}

describe('DtmfReceiver', () => {
  it('one key press with updates and three end packets gives one digit with its duration', () => {
    const { digits } = feed([
      [8000, 5, false, 160, 0],
      [8000, 5, false, 320, 20],
      [8000, 5, false, 480, 40],
      [8000, 5, true, 800, 60],
      [8000, 5, true, 800, 61],
      [8000, 5, true, 800, 62],
    ]);
    expect(digits).toEqual([{ digit: '5', event: 5, timestamp: 8000, durationTs: 800, durationMs: 100, volume: 10, endSeen: true }]);
  });

  it('two presses of the same key are two digits (new timestamp)', () => {
    const { digits } = feed([
      [100, 1, false, 160, 0],
      [100, 1, true, 400, 40],
      [100, 1, true, 400, 41],
      [2000, 1, false, 160, 300],
      [2000, 1, true, 400, 340],
      [2000, 1, true, 400, 341],
    ]);
    expect(digits.map((d) => [d.digit, d.timestamp])).toEqual([
      ['1', 100],
      ['1', 2000],
    ]);
  });

  it('an end packet retransmitted after the next key started is ignored', () => {
    const { digits } = feed([
      [100, 1, true, 400, 0],
      [900, 2, false, 160, 100],
      [100, 1, true, 400, 101],
      [900, 2, true, 480, 140],
    ]);
    expect(digits.map((d) => d.digit)).toEqual(['1', '2']);
  });

  it('lost end packets: the event is reported when the next one starts, with the last duration seen', () => {
    const { digits } = feed([
      [100, 3, false, 160, 0],
      [100, 3, false, 640, 60],
      [5000, 4, false, 160, 400],
    ]);
    expect(digits).toHaveLength(1);
    expect(digits[0]).toMatchObject({ digit: '3', durationTs: 640, endSeen: false });
  });

  it('lost end packets: poll() reports the event after the timeout, once', () => {
    const { digits, rx } = feed([[100, 7, false, 160, 0]], { timeoutMs: 300 });
    rx.poll(200);
    expect(digits).toHaveLength(0);
    expect(rx.inProgress).toBe(true);
    rx.poll(300);
    rx.poll(900);
    expect(digits.map((d) => d.digit)).toEqual(['7']);
    // its late end packet changes nothing
    rx.receive(100, { event: 7, end: true, volume: 10, duration: 800 }, 950);
    expect(digits).toHaveLength(1);
  });

  it('only the end packets arrived (start lost): one digit', () => {
    const { digits } = feed([
      [100, 9, true, 800, 0],
      [100, 9, true, 800, 1],
      [100, 9, true, 800, 2],
    ]);
    expect(digits.map((d) => [d.digit, d.durationTs])).toEqual([['9', 800]]);
  });

  it('duplicated and reordered updates keep the longest duration', () => {
    const { digits } = feed([
      [100, 0, false, 320, 0],
      [100, 0, false, 160, 1],
      [100, 0, false, 320, 2],
      [100, 0, false, 480, 3],
      [100, 0, true, 480, 4],
    ]);
    expect(digits.map((d) => d.durationTs)).toEqual([480]);
  });

  it('a sender that reuses the timestamp for a different key still gives two digits', () => {
    const { digits } = feed([
      [100, 1, true, 400, 0],
      [100, 2, true, 400, 200],
    ]);
    expect(digits.map((d) => d.digit)).toEqual(['1', '2']);
  });

  it('a stale packet older than the event in progress is ignored', () => {
    const { digits } = feed([
      [1000, 1, false, 160, 0],
      [500, 2, false, 160, 5],
      [1000, 1, true, 320, 20],
    ]);
    expect(digits.map((d) => d.digit)).toEqual(['1']);
  });

  it('flash-hook (event 16) is not a DTMF digit', () => {
    const { digits } = feed([[100, 16, true, 800, 0]]);
    expect(digits).toHaveLength(0);
  });

  it('durations convert with the negotiated clock rate', () => {
    const digits: DtmfDigit[] = [];
    const rx = new DtmfReceiver((d) => digits.push(d), { clockRate: 48000 });
    rx.receive(0, { event: 1, end: true, volume: 10, duration: 4800 }, 0);
    expect(digits[0]!.durationMs).toBe(100);
  });
});

describe('planDtmfPackets', () => {
  it('plans a marked start, updates every 20 ms and three end packets with the final duration', () => {
    const plan = planDtmfPackets('5', { durationMs: 100 });
    const fields = plan.map((p) => [parseTelephoneEvent(p.payload)!.duration, p.end, p.marker, p.offsetMs]);
    expect(fields).toEqual([
      [160, false, true, 0],
      [320, false, false, 20],
      [480, false, false, 40],
      [640, false, false, 60],
      [800, true, false, 80],
      [800, true, false, 80],
      [800, true, false, 80],
    ]);
    expect(plan.every((p) => parseTelephoneEvent(p.payload)!.event === 5)).toBe(true);
  });

  it('uses FreeSWITCH’s 250 ms default and never less than 40 ms', () => {
    expect(parseTelephoneEvent(planDtmfPackets('#').at(-1)!.payload)!.duration).toBe(2000);
    expect(parseTelephoneEvent(planDtmfPackets('1', { durationMs: 5 }).at(-1)!.payload)!.duration).toBe(320);
  });

  it('what the sender plans, the receiver reports as one digit with that duration', () => {
    const digits: DtmfDigit[] = [];
    const rx = new DtmfReceiver((d) => digits.push(d));
    for (const p of planDtmfPackets('B', { durationMs: 180 })) rx.receive(123456, parseTelephoneEvent(p.payload)!, p.offsetMs);
    expect(digits).toEqual([expect.objectContaining({ digit: 'B', durationTs: 1440, durationMs: 180, endSeen: true })]);
  });

  it('refuses a character that is not a digit', () => {
    expect(() => planDtmfPackets('x')).toThrow(DtmfError);
  });
});

describe('parseSendDtmfArgs', () => {
  it('reads digits, pauses and an @duration', () => {
    expect(parseSendDtmfArgs('12w#@500')).toEqual({
      tokens: [
        { kind: 'digit', digit: '1' },
        { kind: 'digit', digit: '2' },
        { kind: 'pause', ms: 500 },
        { kind: 'digit', digit: '#' },
      ],
      durationMs: 500,
    });
    expect(parseSendDtmfArgs('a W').tokens).toEqual([
      { kind: 'digit', digit: 'A' },
      { kind: 'pause', ms: 1000 },
    ]);
    expect(parseSendDtmfArgs('9').durationMs).toBeUndefined();
  });

  it.each(['12x', '1@abc', '1@-5'])('refuses %s', (arg) => {
    expect(() => parseSendDtmfArgs(arg)).toThrow(DtmfError);
  });
});

describe('SIP INFO DTMF bodies', () => {
  it.each([
    ['Signal=5\r\nDuration=160\r\n', { digit: '5', durationMs: 160 }],
    ['signal= *\nduration = 250\n', { digit: '*', durationMs: 250 }],
    ['Signal=10\r\nDuration=100\r\n', { digit: '*', durationMs: 100 }],
    ['Signal=11\r\n', { digit: '#', durationMs: undefined }],
    ['Signal=d\r\nDuration=abc\r\n', { digit: 'D', durationMs: undefined }],
    ['Duration=160\r\n', undefined],
    ['Signal=x\r\nDuration=160', undefined],
    ['Signal=99', undefined],
    ['', undefined],
  ])('application/dtmf-relay %j', (body, expected) => {
    expect(parseDtmfRelay(body)).toEqual(expected);
    expect(parseInfoDtmf('Application/DTMF-Relay', body)).toEqual(expected);
  });

  it.each([
    ['5', '5'],
    ['#\r\n', '#'],
    ['11', '#'],
    ['hello', undefined],
  ])('application/dtmf %j', (body, digit) => {
    expect(parseInfoDtmf('application/dtmf; charset=utf-8', body)?.digit).toBe(digit);
  });

  it('ignores other content types', () => {
    expect(parseInfoDtmf('application/media_control+xml', 'Signal=5')).toBeUndefined();
  });

  it('builds bodies that parse back', () => {
    expect(buildDtmfRelay('#', 160)).toBe('Signal=#\r\nDuration=160\r\n');
    const relay = buildInfoDtmf('7', 250);
    expect(relay.contentType).toBe(DTMF_RELAY_CONTENT_TYPE);
    expect(parseInfoDtmf(relay.contentType, relay.body)).toEqual({ digit: '7', durationMs: 250 });
    const plain = buildInfoDtmf('c', 250, DTMF_CONTENT_TYPE);
    expect(plain).toEqual({ contentType: DTMF_CONTENT_TYPE, body: 'C' });
    expect(() => buildDtmfRelay('?', 100)).toThrow(DtmfError);
  });
});
