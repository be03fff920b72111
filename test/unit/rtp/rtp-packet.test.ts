import { describe, expect, it } from 'vitest';
import { RtpHeader, RtpPacket } from 'werift-rtp';
import {
  RtpCheck,
  RtpStreamRewriter,
  checkRtp,
  isRtcp,
  isRtp,
  rtpCheckName,
  rtpCsrcCount,
  rtpHasExtension,
  rtpHasPadding,
  rtpHeaderLength,
  rtpMarker,
  rtpPayloadLength,
  rtpPayloadOffset,
  rtpPayloadType,
  rtpSequence,
  rtpSsrc,
  rtpTimestamp,
  rtpVersion,
  seqDelta,
  setRtpMarker,
  setRtpPayloadType,
  setRtpSequence,
  setRtpSsrc,
  setRtpTimestamp,
  writeRtpHeader,
} from '../../../src/rtp/index.js';

function packet(fields: Partial<RtpHeader>, payload: Buffer): Buffer {
  return new RtpPacket(new RtpHeader(fields), payload).serialize();
}

describe('RTP field access agrees with werift-rtp', () => {
  const rows: Array<[string, Partial<RtpHeader>, Buffer]> = [
    ['a plain PCMU packet', { payloadType: 0, sequenceNumber: 4660, timestamp: 0xdeadbeef, ssrc: 0x12345678 }, Buffer.alloc(160, 0xff)],
    ['a marked telephone-event', { payloadType: 101, marker: true, sequenceNumber: 65535, timestamp: 1, ssrc: 0xffffffff }, Buffer.from([5, 0x8a, 0x03, 0x20])],
    ['two CSRCs', { payloadType: 8, sequenceNumber: 7, timestamp: 160, ssrc: 99, csrc: [1, 2], csrcLength: 2 }, Buffer.alloc(20, 0xd5)],
    [
      'a one-byte header extension',
      { payloadType: 9, sequenceNumber: 300, timestamp: 48000, ssrc: 5, extension: true, extensions: [{ id: 1, payload: Buffer.from([0x42]) }] },
      Buffer.alloc(160, 1),
    ],
    ['padding', { payloadType: 0, sequenceNumber: 1, timestamp: 2, ssrc: 3, padding: true, paddingSize: 4 }, Buffer.alloc(20, 7)],
  ];

  it.each(rows)('%s', (_name, fields, payload) => {
    const buf = packet(fields, payload);
    const ref = RtpPacket.deSerialize(buf);
    expect(isRtp(buf)).toBe(true);
    expect(isRtcp(buf)).toBe(false);
    expect(checkRtp(buf)).toBe(RtpCheck.OK);
    expect(rtpVersion(buf)).toBe(2);
    expect(rtpPayloadType(buf)).toBe(ref.header.payloadType);
    expect(rtpMarker(buf)).toBe(ref.header.marker);
    expect(rtpSequence(buf)).toBe(ref.header.sequenceNumber);
    expect(rtpTimestamp(buf)).toBe(ref.header.timestamp);
    expect(rtpSsrc(buf)).toBe(ref.header.ssrc);
    expect(rtpCsrcCount(buf)).toBe(ref.header.csrcLength);
    expect(rtpHasExtension(buf)).toBe(ref.header.extension);
    expect(rtpHasPadding(buf)).toBe(ref.header.padding);
    expect(rtpHeaderLength(buf)).toBe(ref.header.payloadOffset);
    expect(rtpPayloadOffset(buf)).toBe(ref.header.payloadOffset);
    expect(rtpPayloadLength(buf)).toBe(payload.length);
  });

  it('setters write the fields werift reads back, leaving the payload alone', () => {
    const buf = packet({ payloadType: 0, sequenceNumber: 1, timestamp: 2, ssrc: 3 }, Buffer.from([9, 9, 9]));
    setRtpSequence(buf, 0xfffe);
    setRtpTimestamp(buf, 0x80000001);
    setRtpSsrc(buf, 0xcafebabe);
    setRtpPayloadType(buf, 101);
    setRtpMarker(buf, true);
    const ref = RtpPacket.deSerialize(buf);
    expect(ref.header).toMatchObject({ sequenceNumber: 0xfffe, timestamp: 0x80000001, ssrc: 0xcafebabe, payloadType: 101, marker: true });
    expect([...ref.payload]).toEqual([9, 9, 9]);
    setRtpMarker(buf, false);
    setRtpPayloadType(buf, 8);
    expect(rtpMarker(buf)).toBe(false);
    expect(rtpPayloadType(buf)).toBe(8);
  });

  it('writeRtpHeader builds a header werift parses', () => {
    const buf = Buffer.alloc(12 + 160);
    expect(writeRtpHeader(buf, 9, true, 513, 4294967295, 0x01020304)).toBe(12);
    const ref = RtpPacket.deSerialize(buf);
    expect(ref.header).toMatchObject({ version: 2, payloadType: 9, marker: true, sequenceNumber: 513, timestamp: 4294967295, ssrc: 0x01020304, csrcLength: 0 });
    expect(ref.payload.length).toBe(160);
  });
});

describe('RTP validation drops bad datagrams with a reason', () => {
  const good = packet({ payloadType: 0, sequenceNumber: 1, timestamp: 2, ssrc: 3 }, Buffer.alloc(160));
  const rows: Array<[string, Buffer, number]> = [
    ['an empty datagram', Buffer.alloc(0), RtpCheck.TOO_SHORT],
    ['11 bytes', good.subarray(0, 11), RtpCheck.TOO_SHORT],
    ['ASCII garbage', Buffer.from('hello, is this RTP? no.'), RtpCheck.BAD_VERSION],
    ['version 1', Buffer.concat([Buffer.from([0x40]), good.subarray(1)]), RtpCheck.BAD_VERSION],
    ['version 0 (a STUN binding request)', Buffer.from('000100002112a442000000000000000000000000', 'hex'), RtpCheck.BAD_VERSION],
    ['an RTCP sender report', Buffer.from('80c8000600000001' + '00'.repeat(20), 'hex'), RtpCheck.RTCP],
    ['an RTCP receiver report (PT 201)', Buffer.from('81c90007' + '00'.repeat(28), 'hex'), RtpCheck.RTCP],
    ['a CSRC count pointing past the end', Buffer.concat([Buffer.from([0x8f]), good.subarray(1, 20)]), RtpCheck.CSRC_OVERRUN],
    ['an extension header cut short', Buffer.concat([Buffer.from([0x90]), good.subarray(1, 14)]), RtpCheck.EXTENSION_OVERRUN],
    ['an extension length pointing past the end', Buffer.concat([Buffer.from([0x90]), good.subarray(1, 12), Buffer.from([0xbe, 0xde, 0x00, 0x40]), Buffer.alloc(8)]), RtpCheck.EXTENSION_OVERRUN],
    ['a header with no payload', good.subarray(0, 12), RtpCheck.EMPTY_PAYLOAD],
    ['padding that eats the whole payload', Buffer.concat([Buffer.from([0xa0]), good.subarray(1, 12), Buffer.from([0, 0, 0, 4])]), RtpCheck.EMPTY_PAYLOAD],
    ['a padding count of zero', Buffer.concat([Buffer.from([0xa0]), good.subarray(1, 12), Buffer.from([1, 2, 3, 0])]), RtpCheck.BAD_PADDING],
    ['a padding count larger than the packet', Buffer.concat([Buffer.from([0xa0]), good.subarray(1, 12), Buffer.from([1, 2, 3, 200])]), RtpCheck.BAD_PADDING],
  ];

  it.each(rows)('%s', (_name, buf, expected) => {
    expect(rtpCheckName(checkRtp(buf))).toBe(rtpCheckName(expected));
  });

  it('isRtcp and isRtp tell RTCP from RTP by the second octet (RFC 5761)', () => {
    const sr = Buffer.from('80c8000600000001' + '00'.repeat(20), 'hex');
    expect(isRtcp(sr)).toBe(true);
    expect(isRtp(sr)).toBe(false);
    // payload type 72 with the marker bit is the octet 200: RTCP, not RTP
    const pt72 = packet({ payloadType: 72, marker: true, sequenceNumber: 1, timestamp: 1, ssrc: 1 }, Buffer.alloc(10));
    expect(isRtcp(pt72)).toBe(true);
    expect(isRtp(good)).toBe(true);
    expect(isRtcp(good)).toBe(false);
    expect(isRtcp(Buffer.from([0x80, 0xc8, 0, 1]))).toBe(false); // too short for a report
  });

  it('rtpHeaderLength honours a datagram length shorter than its buffer', () => {
    const big = Buffer.alloc(1500);
    good.copy(big);
    expect(checkRtp(big, good.length)).toBe(RtpCheck.OK);
    expect(rtpPayloadLength(big, good.length)).toBe(160);
    expect(checkRtp(big, 12)).toBe(RtpCheck.EMPTY_PAYLOAD);
  });

  it('random datagrams never throw', () => {
    let seed = 1;
    const buf = Buffer.alloc(64);
    for (let n = 0; n < 2000; n++) {
      const len = n % 64;
      for (let i = 0; i < len; i++) buf[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
      const code = checkRtp(buf, len);
      if (code === RtpCheck.OK) expect(rtpPayloadLength(buf, len)).toBeGreaterThan(0);
      else expect(code).toBeGreaterThan(0);
    }
  });
});

describe('seqDelta', () => {
  it.each([
    [1, 0, 1],
    [0, 65535, 1],
    [65535, 0, -1],
    [100, 200, -100],
    [32767, 0, 32767],
  ])('seqDelta(%i, %i) = %i', (a, b, d) => {
    expect(seqDelta(a, b)).toBe(d);
  });
});

describe('RtpStreamRewriter', () => {
  const mk = (ssrc: number, seq: number, ts: number, pt = 0) => packet({ payloadType: pt, sequenceNumber: seq & 0xffff, timestamp: ts >>> 0, ssrc }, Buffer.alloc(160));

  it('maps a stream onto our SSRC, first sequence number and timestamp, keeping the spacing', () => {
    const rw = new RtpStreamRewriter({ ssrc: 0xabc, sequence: 1000, timestamp: 50000 });
    const out: Array<[number, number, number, boolean]> = [];
    for (let i = 0; i < 3; i++) {
      const p = mk(0x111, 7 + i, 90000 + i * 160);
      expect(rw.rewrite(p, i * 20)).toBe(true);
      out.push([rtpSsrc(p), rtpSequence(p), rtpTimestamp(p), rtpMarker(p)]);
    }
    expect(out).toEqual([
      [0xabc, 1000, 50000, true],
      [0xabc, 1001, 50160, false],
      [0xabc, 1002, 50320, false],
    ]);
  });

  it('a new source SSRC continues the sequence and advances the timestamp by the elapsed time', () => {
    const rw = new RtpStreamRewriter({ ssrc: 1, sequence: 65534, timestamp: 0xffffff00 });
    rw.rewrite(mk(0xa, 10, 1000), 0);
    rw.rewrite(mk(0xa, 11, 1160), 20);
    // the phone is transferred: another phone's stream arrives 500 ms later
    const p = mk(0xb, 40000, 777777);
    rw.rewrite(p, 520);
    expect(rtpSequence(p)).toBe(0); // 65535 + 1 wraps
    expect(rtpTimestamp(p)).toBe((0xffffff00 + 160 + 4000) >>> 0);
    expect(rtpMarker(p)).toBe(true);
    const q = mk(0xb, 40001, 777777 + 160);
    rw.rewrite(q, 540);
    expect(rtpSequence(q)).toBe(1);
    expect(rtpTimestamp(q)).toBe((0xffffff00 + 160 + 4000 + 160) >>> 0);
    expect(rw.dump()).toMatchObject({ segments: 2, packets: 4, sourceSsrc: 0xb });
  });

  it('a switch right after the last packet still advances by at least one frame', () => {
    const rw = new RtpStreamRewriter({ sequence: 0, timestamp: 0, clockRate: 8000 });
    rw.rewrite(mk(1, 0, 0), 0);
    rw.rewrite(mk(1, 1, 240), 30); // 30 ms packets: the frame step is learnt
    const p = mk(2, 500, 123);
    rw.rewrite(p, 31);
    expect(rtpTimestamp(p)).toBe(240 + 240);
  });

  it('reordered and lost packets keep their spacing within a source', () => {
    const rw = new RtpStreamRewriter({ sequence: 100, timestamp: 0 });
    const seqs: number[] = [];
    for (const s of [5, 7, 6, 10]) {
      const p = mk(9, s, s * 160);
      rw.rewrite(p, s * 20);
      seqs.push(rtpSequence(p));
    }
    expect(seqs).toEqual([100, 102, 101, 105]);
  });

  it('a late packet from before the current source started is dropped, not given a used number', () => {
    const rw = new RtpStreamRewriter({ sequence: 0, timestamp: 0 });
    rw.rewrite(mk(1, 50, 0), 0);
    rw.rewrite(mk(2, 300, 0), 100);
    expect(rw.rewrite(mk(2, 299, 0), 101)).toBe(false);
    expect(rw.dump().dropped).toBe(1);
  });

  it('a big sequence jump from the same SSRC starts a new segment', () => {
    const rw = new RtpStreamRewriter({ sequence: 0, timestamp: 0 });
    rw.rewrite(mk(1, 10, 1000), 0);
    const p = mk(1, 20000, 5_000_000);
    rw.rewrite(p, 20);
    expect(rtpSequence(p)).toBe(1);
    expect(rtpTimestamp(p)).toBe(160);
    expect(rw.dump().segments).toBe(2);
  });

  it('resync() restarts the mapping even with the same SSRC', () => {
    const rw = new RtpStreamRewriter({ sequence: 0, timestamp: 0 });
    rw.rewrite(mk(1, 10, 1000), 0);
    rw.resync();
    const p = mk(1, 11, 1160);
    rw.rewrite(p, 1000);
    expect(rtpSequence(p)).toBe(1);
    expect(rtpTimestamp(p)).toBe(8000);
    expect(rtpMarker(p)).toBe(true);
  });

  it('does not set the marker on a video stream (where M ends a frame)', () => {
    const rw = new RtpStreamRewriter({ markOnResync: false, clockRate: 90000 });
    const p = mk(1, 1, 1, 96);
    rw.rewrite(p, 0);
    expect(rtpMarker(p)).toBe(false);
  });

  it('telephone-event packets (same timestamp) do not disturb the learnt frame step', () => {
    const rw = new RtpStreamRewriter({ sequence: 0, timestamp: 0 });
    rw.rewrite(mk(1, 0, 0), 0);
    rw.rewrite(mk(1, 1, 160), 20);
    rw.rewrite(mk(1, 2, 320, 101), 40);
    rw.rewrite(mk(1, 3, 320, 101), 60);
    rw.rewrite(mk(1, 4, 1280, 0), 80);
    expect(rw.dump().frameTimestampStep).toBe(160);
  });
});
