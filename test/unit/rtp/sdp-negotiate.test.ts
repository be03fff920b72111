import { describe, expect, it } from 'vitest';
import {
  TRANSCODABLE_CODECS,
  answerMediaSpec,
  buildSdp,
  describeMedia,
  negotiateAnswer,
  negotiateOffer,
  offerAudioSpec,
  parseCodecPrefs,
  parseSdp,
  type LocalSdpSpec,
  type NegotiateOptions,
  type NegotiationResult,
} from '../../../src/rtp/index.js';
import {
  AUDIO_AND_T38,
  BARESIP_OFFER,
  GRANDSTREAM_OFFER,
  HOLD_INACTIVE,
  HOLD_NULL_ADDRESS,
  HOLD_SENDONLY,
  IPV6_OFFER,
  LINPHONE_OFFER,
  OLD_ATA_OFFER,
  SRTP_OFFER,
  VIDEO_OFFER,
} from './sdp-fixtures.js';

const VANILLA = parseCodecPrefs('OPUS,G722,PCMU,PCMA,H264,VP8');
const TRANSCODABLE = parseCodecPrefs(TRANSCODABLE_CODECS.join(','));

function audioOf(r: NegotiationResult) {
  const a = r.media.find((m) => m.type === 'audio' && m.accepted);
  return a ? { codec: `${a.codec!.payloadType} ${a.codec!.name}`, te: a.telephoneEvent?.payloadType, ptime: a.ptimeMs, dir: a.direction } : undefined;
}

describe('negotiateOffer: codec choice', () => {
  // [name, offer, options, expected audio answer]
  const rows: Array<[string, string, Partial<NegotiateOptions>, { codec: string; te: number | undefined; ptime: number; dir: string }]> = [
    ['Linphone, vanilla prefs: Opus with the 48 kHz telephone-event', LINPHONE_OFFER, {}, { codec: '96 opus', te: 101, ptime: 20, dir: 'sendrecv' }],
    ['Linphone, transcodable prefs: PCMU with the 8 kHz telephone-event', LINPHONE_OFFER, { prefs: TRANSCODABLE }, { codec: '0 PCMU', te: 100, ptime: 20, dir: 'sendrecv' }],
    ['Grandstream, vanilla prefs: G.722', GRANDSTREAM_OFFER, {}, { codec: '9 G722', te: 101, ptime: 20, dir: 'sendrecv' }],
    ['Grandstream, prefs PCMA,PCMU generous: the offerer’s order wins', GRANDSTREAM_OFFER, { prefs: parseCodecPrefs('PCMA,PCMU') }, { codec: '0 PCMU', te: 101, ptime: 20, dir: 'sendrecv' }],
    ['Grandstream, prefs PCMA,PCMU greedy: our order wins', GRANDSTREAM_OFFER, { prefs: parseCodecPrefs('PCMA,PCMU'), mode: 'greedy' }, { codec: '8 PCMA', te: 101, ptime: 20, dir: 'sendrecv' }],
    ['old ATA: PCMU without telephone-event', OLD_ATA_OFFER, {}, { codec: '0 PCMU', te: undefined, ptime: 20, dir: 'sendrecv' }],
    ['baresip: PCMU', BARESIP_OFFER, {}, { codec: '0 PCMU', te: 101, ptime: 20, dir: 'sendrecv' }],
    ['a preference’s @ptime is what we answer', BARESIP_OFFER, { prefs: parseCodecPrefs('PCMA@30i'), mode: 'greedy' }, { codec: '8 PCMA', te: 101, ptime: 30, dir: 'sendrecv' }],
    ['dtmf-type info drops telephone-event', GRANDSTREAM_OFFER, { dtmf: 'info' }, { codec: '9 G722', te: undefined, ptime: 20, dir: 'sendrecv' }],
    ['IPv6', IPV6_OFFER, {}, { codec: '0 PCMU', te: 101, ptime: 20, dir: 'sendrecv' }],
  ];

  it.each(rows)('%s', (_name, offer, opts, expected) => {
    const r = negotiateOffer(parseSdp(offer), { prefs: VANILLA, ...opts });
    expect(r.ok).toBe(true);
    expect(audioOf(r)).toEqual(expected);
  });

  it('scrooge refuses a codec whose @ptime the offer does not match; greedy answers with ours', () => {
    const prefs = parseCodecPrefs('PCMU@30i');
    const scrooge = negotiateOffer(parseSdp(GRANDSTREAM_OFFER), { prefs, mode: 'scrooge' });
    expect(scrooge.ok).toBe(false);
    const greedy = negotiateOffer(parseSdp(GRANDSTREAM_OFFER), { prefs, mode: 'greedy' });
    expect(audioOf(greedy)?.ptime).toBe(30);
  });
});

describe('negotiateOffer: no common codec', () => {
  it.each([
    ['an old ATA against G722,PCMA', OLD_ATA_OFFER, 'G722,PCMA', /audio: no common codec \(offered PCMU\)/],
    ['Linphone against G729 only', LINPHONE_OFFER, 'G729@30i', /no common codec/],
    ['an SRTP-only offer', SRTP_OFFER, 'PCMU,PCMA', /secure RTP \(RTP\/SAVP\) is not supported/],
  ])('%s → 488 INCOMPATIBLE_DESTINATION', (_name, offer, prefs, reason) => {
    const r = negotiateOffer(parseSdp(offer), { prefs: parseCodecPrefs(prefs), mode: 'scrooge' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.status).toBe(488);
    expect(r.cause).toBe('INCOMPATIBLE_DESTINATION');
    expect(r.reason).toMatch(reason);
  });

  it('an offer whose only stream is declined cannot be answered', () => {
    const r = negotiateOffer(parseSdp(OLD_ATA_OFFER.replace('m=audio 16384', 'm=audio 0')), { prefs: VANILLA });
    expect(r.ok).toBe(false);
  });
});

describe('negotiateOffer: streams and directions', () => {
  it('audio and video: video keeps every common codec, in the offerer’s order, with its fmtp and rtcp-fb', () => {
    const r = negotiateOffer(parseSdp(VIDEO_OFFER), { prefs: VANILLA });
    expect(r.ok).toBe(true);
    const [a, v] = r.media;
    expect(a).toMatchObject({ accepted: true, codec: { name: 'PCMA' } });
    expect(v!.accepted).toBe(true);
    expect(v!.codecs.map((c) => c.name)).toEqual(['VP8', 'H264']);
    expect(v!.codecs[1]!.fmtp).toBe('profile-level-id=42801F;packetization-mode=1');
    expect(v!.codecs[0]!.rtcpFb).toEqual(['nack pli', 'ccm fir']);
  });

  it('video is declined when we do not do video, and the call still goes on', () => {
    const r = negotiateOffer(parseSdp(VIDEO_OFFER), { prefs: VANILLA, video: false });
    expect(r.ok).toBe(true);
    expect(r.media.map((m) => m.accepted)).toEqual([true, false]);
  });

  it('a second audio stream and a T.38 stream are declined', () => {
    const two = GRANDSTREAM_OFFER + 'm=audio 5006 RTP/AVP 0\r\n';
    expect(negotiateOffer(parseSdp(two), { prefs: VANILLA }).media.map((m) => m.accepted)).toEqual([true, false]);
    const fax = negotiateOffer(parseSdp(AUDIO_AND_T38), { prefs: VANILLA });
    expect(fax.ok).toBe(true);
    expect(fax.media[1]).toMatchObject({ type: 'image', accepted: false, declineReason: 'image streams are not supported' });
  });

  it.each([
    ['sendonly', HOLD_SENDONLY, 'recvonly'],
    ['inactive', HOLD_INACTIVE, 'inactive'],
    ['c=0.0.0.0', HOLD_NULL_ADDRESS, 'recvonly'],
  ])('a hold by %s is answered %s and reported as hold', (_name, offer, direction) => {
    const r = negotiateOffer(parseSdp(offer), { prefs: VANILLA });
    expect(r.ok).toBe(true);
    expect(r.ok && r.hold).toBe(true);
    expect(audioOf(r)?.dir).toBe(direction);
  });

  it('when we hold the far end, a sendrecv offer is answered sendonly', () => {
    const r = negotiateOffer(parseSdp(GRANDSTREAM_OFFER), { prefs: VANILLA, localDirection: 'sendonly' });
    expect(r.ok && r.hold).toBe(false);
    expect(audioOf(r)?.dir).toBe('sendonly');
  });

  it('rtcp-mux is accepted when offered', () => {
    const r = negotiateOffer(parseSdp(IPV6_OFFER), { prefs: VANILLA });
    expect(r.media[0]!.rtcpMux).toBe(true);
    expect(negotiateOffer(parseSdp(IPV6_OFFER), { prefs: VANILLA, rtcpMux: false }).media[0]!.rtcpMux).toBe(false);
  });
});

describe('answers built from a negotiation', () => {
  it('an answer to audio + declined video parses back with the chosen codec and the offer’s formats on the declined line', () => {
    const offer = parseSdp(VIDEO_OFFER);
    const r = negotiateOffer(offer, { prefs: TRANSCODABLE });
    expect(r.ok).toBe(true);
    const text = buildSdp({
      address: '10.0.0.1',
      sessionId: 77,
      sessionVersion: 1,
      media: r.media.map((m, i) => answerMediaSpec(m, 20000 + 2 * i, 20001 + 2 * i)),
    });
    const answer = describeMedia(parseSdp(text));
    expect(answer).toHaveLength(2);
    expect(answer[0]).toMatchObject({ port: 20000, rtcpPort: 20001, address: '10.0.0.1', direction: 'sendrecv', ptimeMs: 20 });
    expect(answer[0]!.codecs).toEqual([{ payloadType: 8, name: 'PCMA', clockRate: 8000 }]);
    expect(answer[0]!.telephoneEvents.map((t) => t.payloadType)).toEqual([101]);
    expect(answer[1]).toMatchObject({ type: 'video', port: 0, protocol: 'RTP/AVPF' });
    expect(text).toContain('m=video 0 RTP/AVPF 97 98\r\n');
  });
});

describe('negotiateAnswer: reading the answer to our offer', () => {
  const ourOffer: LocalSdpSpec = {
    address: '10.0.0.1',
    sessionId: 1,
    sessionVersion: 1,
    media: [offerAudioSpec(TRANSCODABLE, { port: 20000, telephoneEventPt: 101 })],
  };

  it('our offer lists the transcodable codecs with static and dynamic payload types', () => {
    const [m] = describeMedia(parseSdp(buildSdp(ourOffer)));
    expect(m!.codecs.map((c) => `${c.payloadType} ${c.name}/${c.clockRate}`)).toEqual(['0 PCMU/8000', '8 PCMA/8000', '9 G722/8000', '96 L16/8000']);
    expect(m!.telephoneEvents).toEqual([{ payloadType: 101, name: 'telephone-event', clockRate: 8000, fmtp: '0-16' }]);
  });

  it('picks the answerer’s codec and telephone-event', () => {
    const answer = 'v=0\r\no=- 2 2 IN IP4 192.168.1.60\r\ns=-\r\nc=IN IP4 192.168.1.60\r\nt=0 0\r\nm=audio 5004 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=ptime:30\r\n';
    const r = negotiateAnswer(ourOffer, parseSdp(answer));
    expect(r.ok).toBe(true);
    expect(r.media[0]).toMatchObject({ accepted: true, codec: { payloadType: 8, name: 'PCMA' }, telephoneEvent: { payloadType: 101 }, ptimeMs: 30, direction: 'sendrecv' });
    expect(r.media[0]!.remote).toMatchObject({ address: '192.168.1.60', port: 5004 });
  });

  it('an answer on hold (sendonly) is reported', () => {
    const answer = 'v=0\r\no=- 2 2 IN IP4 192.168.1.60\r\ns=-\r\nc=IN IP4 192.168.1.60\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\na=sendonly\r\n';
    const r = negotiateAnswer(ourOffer, parseSdp(answer));
    expect(r.ok && r.hold).toBe(true);
    expect(r.media[0]!.direction).toBe('recvonly');
  });

  it.each([
    ['a codec we did not offer', 'm=audio 5004 RTP/AVP 18\r\n', /no audio codec in common/],
    ['the stream declined', 'm=audio 0 RTP/AVP 0\r\n', /no audio codec in common/],
    ['a different number of m-lines', 'm=audio 5004 RTP/AVP 0\r\nm=video 5006 RTP/AVP 97\r\na=rtpmap:97 VP8/90000\r\n', /2 m-lines, offer had 1/],
  ])('an answer with %s fails with 488', (_name, mlines, reason) => {
    const answer = 'v=0\r\no=- 2 2 IN IP4 192.168.1.60\r\ns=-\r\nc=IN IP4 192.168.1.60\r\nt=0 0\r\n' + mlines;
    const r = negotiateAnswer(ourOffer, parseSdp(answer));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});
