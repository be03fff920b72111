import { describe, expect, it } from 'vitest';
import { describeMedia, parseSdp, rewriteSdpAddresses } from '../../../src/rtp/index.js';
import { HOLD_NULL_ADDRESS, IPV6_OFFER, LINPHONE_OFFER, VIDEO_OFFER } from './sdp-fixtures.js';

describe('rewriteSdpAddresses (proxy media)', () => {
  it('puts the relay address and ports in c=, o=, m= and a=rtcp, and drops ICE, leaving every other line as it was', () => {
    const out = rewriteSdpAddresses(LINPHONE_OFFER, { address: '10.0.0.1', ports: [30000] });
    const expected = LINPHONE_OFFER.split('\r\n')
      .filter((l) => !/^a=(candidate|ice-ufrag|ice-pwd)/.test(l))
      .map((l) =>
        l
          .replace('o=1001 3220 1409 IN IP4 192.168.1.50', 'o=1001 3220 1409 IN IP4 10.0.0.1')
          .replace('c=IN IP4 192.168.1.50', 'c=IN IP4 10.0.0.1')
          .replace('m=audio 7078 ', 'm=audio 30000 ')
          .replace('a=rtcp:7079', 'a=rtcp:30001'),
      )
      .join('\r\n');
    expect(out).toBe(expected);
    // the unknown attributes are still there, in their place
    expect(out).toContain('a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics\r\na=record:off\r\n');
    const [m] = describeMedia(parseSdp(out));
    expect(m).toMatchObject({ address: '10.0.0.1', port: 30000, rtcpPort: 30001 });
  });

  it('keeps ICE lines when asked to', () => {
    const out = rewriteSdpAddresses(LINPHONE_OFFER, { address: '10.0.0.1', ports: [30000], stripIce: false });
    expect(out).toContain('a=candidate:1 1 UDP 2130706431 192.168.1.50 7078 typ host');
    expect(out).toContain('a=ice-ufrag:7d1e3f2a');
  });

  it('rewrites each m-line with its own port and explicit RTCP ports', () => {
    const out = rewriteSdpAddresses(VIDEO_OFFER, { address: '10.0.0.1', ports: [30000, 30010], rtcpPorts: [30001, 30011] });
    const [a, v] = describeMedia(parseSdp(out));
    expect([a!.port, v!.port]).toEqual([30000, 30010]);
    expect(out).toContain('a=rtcp-fb:97 nack pli\r\n');
    expect(out).toContain('a=fmtp:98 profile-level-id=42801F;packetization-mode=1\r\n');
  });

  it('leaves a declined stream and an undefined port alone', () => {
    const offer = VIDEO_OFFER.replace('m=video 40002', 'm=video 0');
    const out = rewriteSdpAddresses(offer, { address: '10.0.0.1', ports: [undefined, 30010] });
    expect(out).toContain('m=audio 40000 RTP/AVP 8 0 101');
    expect(out).toContain('m=video 0 RTP/AVPF 97 98');
  });

  it('keeps the old hold address 0.0.0.0 so the far end still sees the hold', () => {
    const out = rewriteSdpAddresses(HOLD_NULL_ADDRESS, { address: '10.0.0.1', ports: [30000] });
    expect(out).toContain('c=IN IP4 0.0.0.0');
    expect(out).toContain('m=audio 30000 RTP/AVP 8 0');
  });

  it('writes IPv6 relay addresses as IP6, and IPv4 over an IPv6 offer', () => {
    const v6 = rewriteSdpAddresses(LINPHONE_OFFER, { address: '2001:db8::1', ports: [30000] });
    expect(v6).toContain('c=IN IP6 2001:db8::1\r\n');
    expect(v6).toContain('o=1001 3220 1409 IN IP6 2001:db8::1\r\n');
    const v4 = rewriteSdpAddresses(IPV6_OFFER, { address: '10.0.0.1', ports: [30000] });
    expect(v4).toContain('c=IN IP4 10.0.0.1\r\n');
    expect(v4).toContain('a=rtcp-mux');
  });

  it('rewrites the address in an a=rtcp line that carries one', () => {
    const offer = LINPHONE_OFFER.replace('a=rtcp:7079', 'a=rtcp:7079 IN IP4 192.168.1.50');
    expect(rewriteSdpAddresses(offer, { address: '10.0.0.1', ports: [30000] })).toContain('a=rtcp:30001 IN IP4 10.0.0.1\r\n');
  });

  it('keeps LF line ends when the body uses them, and a large o= session id unrounded', () => {
    const offer = 'v=0\no=- 8237465923847592834 8237465923847592835 IN IP4 1.2.3.4\ns=-\nc=IN IP4 1.2.3.4\nt=0 0\nm=audio 1000 RTP/AVP 0\n';
    expect(rewriteSdpAddresses(offer, { address: '10.0.0.1', ports: [2000] })).toBe(
      'v=0\no=- 8237465923847592834 8237465923847592835 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\nm=audio 2000 RTP/AVP 0\n',
    );
  });
});
