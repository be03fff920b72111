// Realistic SDP offers as phones and softphones send them, for the SDP tests. Written from the
// shapes these clients produce (addresses and ids made up); CRLF line ends as on the wire.

const sdp = (...lines: string[]) => lines.join('\r\n') + '\r\n';

/** Linphone 5: Opus first, speex, ICE attributes, telephone-event at three rates, RTCP-XR. */
export const LINPHONE_OFFER = sdp(
  'v=0',
  'o=1001 3220 1409 IN IP4 192.168.1.50',
  's=Talk',
  'c=IN IP4 192.168.1.50',
  't=0 0',
  'a=ice-pwd:2c5a7b4e1d2f0c9e8a6b5c4d',
  'a=ice-ufrag:7d1e3f2a',
  'a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics',
  'a=record:off',
  'm=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 useinbandfec=1',
  'a=rtpmap:97 speex/16000',
  'a=fmtp:97 vbr=on',
  'a=rtpmap:98 speex/8000',
  'a=fmtp:98 vbr=on',
  'a=fmtp:18 annexb=yes',
  'a=rtpmap:101 telephone-event/48000',
  'a=rtpmap:99 telephone-event/16000',
  'a=rtpmap:100 telephone-event/8000',
  'a=rtcp:7079',
  'a=candidate:1 1 UDP 2130706431 192.168.1.50 7078 typ host',
  'a=candidate:1 2 UDP 2130706430 192.168.1.50 7079 typ host',
  'a=candidate:2 1 UDP 1694498815 203.0.113.7 7078 typ srflx raddr 192.168.1.50 rport 7078',
  'a=rtcp-fb:* trr-int 1000',
  'a=rtcp-fb:* ccm tmmbr',
);

/** A Grandstream GXP desk phone: G.722 first, G.729, telephone-event 101. */
export const GRANDSTREAM_OFFER = sdp(
  'v=0',
  'o=1002 8000 8000 IN IP4 192.168.1.60',
  's=SIP Call',
  'c=IN IP4 192.168.1.60',
  't=0 0',
  'm=audio 5004 RTP/AVP 9 0 8 18 101',
  'a=sendrecv',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:18 G729/8000',
  'a=fmtp:18 annexb=no',
  'a=ptime:20',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
);

/** An old analogue telephone adapter: PCMU only, no rtpmap, no DTMF events. */
export const OLD_ATA_OFFER = sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.20', 's=-', 'c=IN IP4 10.0.0.20', 't=0 0', 'm=audio 16384 RTP/AVP 0');

/** baresip 1.0 with the g711 module. */
export const BARESIP_OFFER = sdp(
  'v=0',
  'o=- 1163405329 3429541214 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 10000 RTP/AVP 0 8 101',
  'b=AS:64',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  'a=label:1',
  'a=ssrc:2345678901 cname:ad5e3f2c-0d3e-4b1f',
  'a=rtcp-rsize',
  'a=ptime:20',
);

/** A video phone: audio plus H.264 and VP8 video with RTCP feedback. */
export const VIDEO_OFFER = sdp(
  'v=0',
  'o=- 20518 0 IN IP4 192.168.1.70',
  's=-',
  'c=IN IP4 192.168.1.70',
  't=0 0',
  'm=audio 40000 RTP/AVP 8 0 101',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'm=video 40002 RTP/AVPF 97 98',
  'a=rtpmap:97 VP8/90000',
  'a=rtcp-fb:97 nack pli',
  'a=rtcp-fb:97 ccm fir',
  'a=rtpmap:98 H264/90000',
  'a=fmtp:98 profile-level-id=42801F;packetization-mode=1',
  'a=rtcp-fb:98 nack pli',
);

/** A phone putting the call on hold with sendonly (RFC 3264 §8.4). */
export const HOLD_SENDONLY = sdp('v=0', 'o=- 1 2 IN IP4 192.168.1.60', 's=-', 'c=IN IP4 192.168.1.60', 't=0 0', 'm=audio 5004 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000', 'a=sendonly');

/** Hold with inactive at session level. */
export const HOLD_INACTIVE = sdp('v=0', 'o=- 1 2 IN IP4 192.168.1.60', 's=-', 'c=IN IP4 192.168.1.60', 't=0 0', 'a=inactive', 'm=audio 5004 RTP/AVP 0');

/** The old RFC 2543 hold: connection address 0.0.0.0. */
export const HOLD_NULL_ADDRESS = sdp('v=0', 'o=- 1 2 IN IP4 192.168.1.60', 's=-', 'c=IN IP4 0.0.0.0', 't=0 0', 'm=audio 5004 RTP/AVP 8 0');

/** An IPv6 phone. */
export const IPV6_OFFER = sdp('v=0', 'o=- 42 42 IN IP6 2001:db8::50', 's=-', 'c=IN IP6 2001:db8::50', 't=0 0', 'm=audio 6000 RTP/AVP 0 8 101', 'a=rtpmap:101 telephone-event/8000', 'a=rtcp-mux');

/** SRTP-only offer (SDES). */
export const SRTP_OFFER = sdp(
  'v=0',
  'o=- 5 5 IN IP4 192.168.1.80',
  's=-',
  'c=IN IP4 192.168.1.80',
  't=0 0',
  'm=audio 7000 RTP/SAVP 0 8',
  'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32',
);

/** A fax machine's re-INVITE style offer: audio declined, T.38 image stream. */
export const AUDIO_AND_T38 = sdp(
  'v=0',
  'o=- 9 9 IN IP4 192.168.1.90',
  's=-',
  'c=IN IP4 192.168.1.90',
  't=0 0',
  'm=audio 7100 RTP/AVP 0',
  'm=image 7102 udptl t38',
  'a=T38FaxVersion:0',
);
