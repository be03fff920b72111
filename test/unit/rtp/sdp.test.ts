import { describe, expect, it } from 'vitest';
import {
  SdpParseError,
  answerDirection,
  buildSdp,
  codecForPref,
  codecMatchesPref,
  describeMedia,
  formatCodecPrefs,
  isHoldSdp,
  mirrorDirection,
  parseCodecPrefs,
  parseSdp,
  type MediaDirection,
} from '../../../src/rtp/index.js';
import { BARESIP_OFFER, GRANDSTREAM_OFFER, HOLD_INACTIVE, HOLD_NULL_ADDRESS, HOLD_SENDONLY, IPV6_OFFER, LINPHONE_OFFER, OLD_ATA_OFFER, VIDEO_OFFER } from './sdp-fixtures.js';

describe('parseCodecPrefs (FreeSWITCH codec strings)', () => {
  it.each([
    ['OPUS,G722,PCMU,PCMA,H264,VP8', [{ name: 'OPUS' }, { name: 'G722' }, { name: 'PCMU' }, { name: 'PCMA' }, { name: 'H264' }, { name: 'VP8' }]],
    ['PCMU@20i,PCMA@30i', [{ name: 'PCMU', ptimeMs: 20 }, { name: 'PCMA', ptimeMs: 30 }]],
    ['G722@16000h,L16@16k,opus@48000h@20i@2c', [{ name: 'G722', rate: 16000 }, { name: 'L16', rate: 16000 }, { name: 'OPUS', rate: 48000, ptimeMs: 20, channels: 2 }]],
    ["'pcmu', ,pcma@64000b", [{ name: 'PCMU' }, { name: 'PCMA' }]],
    ['PCMU@8000,PCMA@30', [{ name: 'PCMU', rate: 8000 }, { name: 'PCMA', ptimeMs: 30 }]],
    ['', []],
  ])('%j', (text, prefs) => {
    expect(parseCodecPrefs(text)).toEqual(prefs);
  });

  it('formats back to a codec string', () => {
    expect(formatCodecPrefs(parseCodecPrefs('PCMU@20i,G722@16000h,opus@2c'))).toBe('PCMU@20i,G722@16000h,OPUS@2c');
  });

  it('matches offered codecs by name, and by rate and channels when the preference gives them', () => {
    const g722 = { payloadType: 9, name: 'G722', clockRate: 8000 };
    expect(codecMatchesPref(g722, { name: 'G722' })).toBe(true);
    expect(codecMatchesPref(g722, { name: 'G722', rate: 16000 })).toBe(true); // its real rate
    expect(codecMatchesPref({ payloadType: 96, name: 'opus', clockRate: 48000, channels: 2 }, { name: 'OPUS' })).toBe(true);
    expect(codecMatchesPref({ payloadType: 97, name: 'L16', clockRate: 8000 }, { name: 'L16', rate: 16000 })).toBe(false);
    expect(codecMatchesPref({ payloadType: 0, name: 'PCMU', clockRate: 8000 }, { name: 'PCMU', channels: 2 })).toBe(false);
  });

  it('describes preferences as offerable codecs', () => {
    expect(codecForPref({ name: 'PCMA' }, 96)).toEqual({ payloadType: 8, name: 'PCMA', clockRate: 8000 });
    expect(codecForPref({ name: 'OPUS' }, 96)).toEqual({ payloadType: 96, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1' });
    expect(codecForPref({ name: 'L16', rate: 16000 }, 97)).toEqual({ payloadType: 97, name: 'L16', clockRate: 16000 });
    expect(codecForPref({ name: 'SILK' }, 96)).toBeUndefined();
  });
});

describe('parseSdp', () => {
  it.each([
    ['an empty body', '', /v=0/],
    ['plain text', 'hello world', /v=0/],
    ['version 1', 'v=1\r\no=- 1 1 IN IP4 1.2.3.4\r\n', /v=0/],
    ['no origin', 'v=0\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1000 RTP/AVP 0\r\n', /o= line/],
    ['a stream without a connection address', 'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 1000 RTP/AVP 0\r\n', /no connection address/],
    ['a huge body', 'v=0\r\n' + 'a=x\r\n'.repeat(20000), /larger than/],
    ['too many m-lines', 'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n' + 'm=audio 1000 RTP/AVP 0\r\n'.repeat(20), /m-lines/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parseSdp(text)).toThrow(SdpParseError);
    expect(() => parseSdp(text)).toThrow(message);
  });

  it('accepts LF line ends, a byte-order mark and leading blank lines', () => {
    expect(parseSdp('\uFEFF\r\n' + OLD_ATA_OFFER.replace(/\r\n/g, '\n')).media).toHaveLength(1);
  });

  it('tolerates garbage lines between valid ones', () => {
    const sd = parseSdp(GRANDSTREAM_OFFER.replace('a=ptime:20', 'zzz\r\na=\r\n==\r\na=ptime:20'));
    expect(describeMedia(sd)[0]!.ptimeMs).toBe(20);
  });
});

describe('describeMedia', () => {
  it('Linphone: Opus first, static types resolved, telephone-events split out, rtcp port read', () => {
    const [m] = describeMedia(parseSdp(LINPHONE_OFFER));
    expect(m).toMatchObject({ type: 'audio', port: 7078, address: '192.168.1.50', ipVersion: 4, rtcpPort: 7079, rtcpMux: false, direction: 'sendrecv', hold: false, secure: false });
    expect(m!.codecs.map((c) => `${c.payloadType} ${c.name}/${c.clockRate}`)).toEqual(['96 opus/48000', '97 speex/16000', '98 speex/8000', '0 PCMU/8000', '8 PCMA/8000', '18 G729/8000']);
    expect(m!.codecs[0]).toMatchObject({ channels: 2, fmtp: 'useinbandfec=1' });
    expect(m!.codecs.find((c) => c.payloadType === 18)!.fmtp).toBe('annexb=yes');
    expect(m!.telephoneEvents.map((c) => [c.payloadType, c.clockRate])).toEqual([
      [101, 48000],
      [99, 16000],
      [100, 8000],
    ]);
  });

  it('an old ATA: formats without rtpmap use the static table; RTCP defaults to port + 1', () => {
    const [m] = describeMedia(parseSdp(OLD_ATA_OFFER));
    expect(m!.codecs).toEqual([{ payloadType: 0, name: 'PCMU', clockRate: 8000 }]);
    expect(m!.telephoneEvents).toEqual([]);
    expect(m!.rtcpPort).toBe(16385);
    expect(m!.ptimeMs).toBeUndefined();
  });

  it('baresip: ptime and unknown attributes do not get in the way', () => {
    const [m] = describeMedia(parseSdp(BARESIP_OFFER));
    expect(m).toMatchObject({ port: 10000, ptimeMs: 20, direction: 'sendrecv' });
    expect(m!.codecs.map((c) => c.name)).toEqual(['PCMU', 'PCMA']);
  });

  it('video: rtcp-fb values attach to their payload types', () => {
    const [, v] = describeMedia(parseSdp(VIDEO_OFFER));
    expect(v).toMatchObject({ type: 'video', protocol: 'RTP/AVPF', port: 40002 });
    expect(v!.codecs).toEqual([
      { payloadType: 97, name: 'VP8', clockRate: 90000, rtcpFb: ['nack pli', 'ccm fir'] },
      { payloadType: 98, name: 'H264', clockRate: 90000, fmtp: 'profile-level-id=42801F;packetization-mode=1', rtcpFb: ['nack pli'] },
    ]);
  });

  it('IPv6 with rtcp-mux', () => {
    const [m] = describeMedia(parseSdp(IPV6_OFFER));
    expect(m).toMatchObject({ address: '2001:db8::50', ipVersion: 6, rtcpMux: true, rtcpPort: 6000 });
  });

  it.each([
    ['sendonly', HOLD_SENDONLY, 'sendonly', 'sendonly'],
    ['session-level inactive', HOLD_INACTIVE, 'inactive', 'inactive'],
    ['c=0.0.0.0', HOLD_NULL_ADDRESS, 'sendrecv', 'sendonly'],
  ])('hold by %s', (_name, text, direction, effective) => {
    const sd = parseSdp(text);
    const [m] = describeMedia(sd);
    expect(m).toMatchObject({ direction, effectiveDirection: effective, hold: true });
    expect(isHoldSdp(sd)).toBe(true);
  });

  it('an ordinary offer is not a hold', () => {
    expect(isHoldSdp(parseSdp(GRANDSTREAM_OFFER))).toBe(false);
  });
});

describe('directions (RFC 3264 §6.1)', () => {
  it.each([
    ['sendrecv', 'sendrecv', 'sendrecv'],
    ['sendonly', 'sendrecv', 'recvonly'],
    ['recvonly', 'sendrecv', 'sendonly'],
    ['inactive', 'sendrecv', 'inactive'],
    ['sendrecv', 'sendonly', 'sendonly'],
    ['sendonly', 'sendonly', 'inactive'],
    ['sendrecv', 'inactive', 'inactive'],
    ['recvonly', 'recvonly', 'inactive'],
  ] as Array<[MediaDirection, MediaDirection, MediaDirection]>)('offer %s, we want %s → answer %s', (offer, local, answer) => {
    expect(answerDirection(offer, local)).toBe(answer);
  });

  it('mirrors sendonly and recvonly', () => {
    expect(mirrorDirection('sendonly')).toBe('recvonly');
    expect(mirrorDirection('recvonly')).toBe('sendonly');
    expect(mirrorDirection('inactive')).toBe('inactive');
  });
});

describe('buildSdp', () => {
  it('writes an SDP that parses back to what was asked', () => {
    const text = buildSdp({
      address: '10.0.0.1',
      sessionId: '8237465923847592834',
      sessionVersion: 2,
      username: 'softswitch',
      sessionName: 'softswitch',
      media: [
        {
          type: 'audio',
          port: 20000,
          codecs: [{ payloadType: 9, name: 'G722', clockRate: 8000 }],
          telephoneEvent: { payloadType: 101, name: 'telephone-event', clockRate: 8000, fmtp: '0-16' },
          ptimeMs: 20,
          rtcpPort: 20001,
          direction: 'recvonly',
        },
        { type: 'video', port: 0, protocol: 'RTP/AVPF', codecs: [], declinedFormats: '97 98' },
      ],
    });
    expect(text).toBe(
      [
        'v=0',
        'o=softswitch 8237465923847592834 2 IN IP4 10.0.0.1',
        's=softswitch',
        'c=IN IP4 10.0.0.1',
        't=0 0',
        'm=audio 20000 RTP/AVP 9 101',
        'a=rtpmap:9 G722/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-16',
        'a=ptime:20',
        'a=rtcp:20001',
        'a=recvonly',
        'm=video 0 RTP/AVPF 97 98',
        '',
      ].join('\r\n'),
    );
    const [a, v] = describeMedia(parseSdp(text));
    expect(a).toMatchObject({ port: 20000, rtcpPort: 20001, direction: 'recvonly', ptimeMs: 20 });
    expect(a!.telephoneEvents[0]!.payloadType).toBe(101);
    expect(v!.port).toBe(0);
  });

  it('writes IPv6 addresses with IP6 and rtcp-mux instead of a=rtcp', () => {
    const text = buildSdp({
      address: '2001:db8::1',
      sessionId: 1,
      sessionVersion: 1,
      media: [{ type: 'audio', port: 30000, codecs: [{ payloadType: 96, name: 'opus', clockRate: 48000, channels: 2 }], rtcpMux: true, rtcpPort: 30001 }],
    });
    expect(text).toContain('c=IN IP6 2001:db8::1\r\n');
    expect(text).toContain('a=rtpmap:96 opus/48000/2\r\n');
    expect(text).toContain('a=rtcp-mux\r\n');
    expect(text).not.toContain('a=rtcp:');
  });
});
