import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RtcpRrPacket, RtcpPacketConverter } from 'werift-rtp';
import { InvalidStateError } from '../../../src/common/index.js';
import { MediaAddressError, MediaEngine, PortsExhaustedError, isUntrustedSdpAddress, type MediaEndpoint, type MediaTimeoutInfo } from '../../../src/rtp/index.js';
import { Phone, makeEngine, sleep, waitFor } from './phone.js';

let engine: MediaEngine;
let cleanup: () => Promise<void>;
const phones: Phone[] = [];

async function phone(address = '127.0.0.1', ssrc?: number): Promise<Phone> {
  const p = await Phone.open(address, ssrc);
  phones.push(p);
  return p;
}

beforeEach(async () => {
  ({ engine, cleanup } = await makeEngine({ timeouts: { relatchAfterMs: 300, expectNewSourceMs: 400 } }));
});

afterEach(async () => {
  await cleanup();
  await Promise.all(phones.splice(0).map((p) => p.close()));
});

/** A proxy pair A↔B whose B side sends to a phone, so we can see what A's endpoint accepts. */
async function relayed(): Promise<{ a: MediaEndpoint; b: MediaEndpoint; far: Phone }> {
  const a = await engine.allocate();
  const b = await engine.allocate();
  const far = await phone();
  b.setRemote({ address: '127.0.0.1', port: far.port, rtcpPort: far.port }); // RTP and RTCP both reach `far`
  engine.proxy(a, b);
  return { a, b, far };
}

describe('SDP address trust', () => {
  it.each([
    ['203.0.113.5', false],
    ['127.0.0.1', false],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['192.168.1.20', true],
    ['100.64.1.1', true],
    ['169.254.3.4', true],
    ['0.0.0.0', true],
    ['', true],
    ['fd00::1', true],
    ['fe80::1', true],
    ['2001:db8::1', false],
    ['not-an-ip', true],
  ])('%s is untrusted: %s', (ip, untrusted) => {
    expect(isUntrustedSdpAddress(ip)).toBe(untrusted);
  });
});

describe('latching (symmetric RTP)', () => {
  it('sends to the SDP address before any packet arrives', async () => {
    const a = await engine.allocate();
    const p = await phone();
    a.setRemote({ address: '127.0.0.1', port: p.port });
    a.sendRtp(Buffer.from(new Uint8Array([0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xff])), 13);
    await waitFor(() => p.received.length === 1);
    expect(a.stats().latched).toBeUndefined();
  });

  it('latches on the first valid packet and then answers its source, not the SDP port', async () => {
    const { a, far } = await relayed();
    const sdp = await phone();
    const real = await phone();
    a.setRemote({ address: '127.0.0.1', port: sdp.port }); // trusted SDP, same IP, another port
    real.sendRtp(a.port);
    await waitFor(() => far.rtp().length === 1);
    expect(a.latched).toEqual({ address: '127.0.0.1', port: real.port });
    far.sendRtp(engine.endpoints().find((e) => e !== a)!.port);
    await waitFor(() => real.rtp().length === 1);
    expect(sdp.received).toHaveLength(0);
    expect(a.stats()).toMatchObject({ latches: 1, relatches: 0, rtpIn: 1 });
  });

  it('behind NAT (private SDP address) latches on the real source and sends there', async () => {
    const { a, b, far } = await relayed();
    a.setRemote({ address: '10.0.0.5', port: 4000 });
    expect(a.stats().remote.trusted).toBe(false);
    const nat = await phone();
    nat.sendRtp(a.port, { payload: Buffer.from('hello-from-nat') });
    await waitFor(() => far.rtp().length === 1);
    far.sendRtp(b.port, { payload: Buffer.from('reply') });
    await waitFor(() => nat.rtp().length === 1);
    expect(nat.rtp()[0]!.buf.subarray(12).toString()).toBe('reply');
    expect(a.latched).toEqual({ address: '127.0.0.1', port: nat.port });
  });

  it('a trusted SDP address only latches packets from its own IP', async () => {
    const { a, far } = await relayed();
    const other = await phone('127.0.0.2');
    a.setRemote({ address: '127.0.0.1', port: 4000 });
    other.sendRtp(a.port);
    await sleep(50);
    expect(a.latched).toBeUndefined();
    expect(a.stats().dropped.foreignSource).toBe(1);
    expect(far.received).toHaveLength(0);
  });

  it('setNat(true) makes even a public SDP address untrusted', async () => {
    const a = await engine.allocate({ nat: true });
    a.setRemote({ address: '203.0.113.9', port: 4000 });
    expect(a.stats().remote.trusted).toBe(false);
  });

  it('ignores a hijack attempt from a third address after latching, and keeps sending to the phone', async () => {
    const { a, b, far } = await relayed();
    a.setRemote({ address: '10.0.0.5', port: 4000 });
    const ph = await phone();
    const attacker = await phone();
    ph.sendRtp(a.port, { payload: Buffer.from('phone') });
    await waitFor(() => far.rtp().length === 1);
    for (let i = 0; i < 5; i++) attacker.sendRtp(a.port, { payload: Buffer.from('attack') });
    ph.sendRtp(a.port, { payload: Buffer.from('phone') });
    await waitFor(() => far.rtp().length === 2);
    await sleep(30);
    expect(far.rtp().map((r) => r.buf.subarray(12).toString())).toEqual(['phone', 'phone']);
    far.sendRtp(b.port);
    await waitFor(() => ph.rtp().length === 1);
    expect(attacker.received).toHaveLength(0);
    expect(a.stats().dropped.foreignSource).toBe(5);
    expect(a.latched).toEqual({ address: '127.0.0.1', port: ph.port });
  });

  it('re-latches to a new source with a new SSRC after expectNewSource() (re-INVITE, transfer)', async () => {
    const { a, b, far } = await relayed();
    a.setRemote({ address: '10.0.0.5', port: 4000 });
    const first = await phone('127.0.0.1', 0xaaaa0001);
    const second = await phone('127.0.0.1', 0xbbbb0002);
    first.sendRtp(a.port);
    await waitFor(() => far.rtp().length === 1);
    second.sendRtp(a.port); // not yet expected: dropped
    await sleep(30);
    expect(far.rtp()).toHaveLength(1);
    a.expectNewSource();
    second.sendRtp(a.port);
    await waitFor(() => far.rtp().length === 2);
    expect(a.stats()).toMatchObject({ relatches: 1, latched: { port: second.port, ssrc: 0xbbbb0002 } });
    first.sendRtp(a.port); // the old source is now foreign
    await sleep(30);
    expect(far.rtp()).toHaveLength(2);
    far.sendRtp(b.port);
    await waitFor(() => second.rtp().length === 1);
    expect(first.rtp()).toHaveLength(0);
  });

  it('setRemote with a changed address arms expectNewSource()', async () => {
    const { a, far } = await relayed();
    a.setRemote({ address: '10.0.0.5', port: 4000 });
    const first = await phone();
    const second = await phone();
    first.sendRtp(a.port);
    await waitFor(() => far.rtp().length === 1);
    a.setRemote({ address: '10.0.0.6', port: 4002 });
    second.sendRtp(a.port);
    await waitFor(() => far.rtp().length === 2);
    expect(a.latched?.port).toBe(second.port);
  });

  it('re-latches on its own once the latched source has been silent for relatchAfterMs, not before', async () => {
    const { a, far } = await relayed();
    a.setRemote({ address: '10.0.0.5', port: 4000 });
    const first = await phone('127.0.0.1', 0x01);
    const second = await phone('127.0.0.1', 0x02);
    first.sendRtp(a.port);
    await waitFor(() => far.rtp().length === 1);
    await sleep(40); // silent well under 300 ms
    second.sendRtp(a.port);
    await sleep(30);
    expect(a.latched?.port).toBe(first.port);
    await sleep(400); // now silent > 300 ms
    second.sendRtp(a.port);
    await waitFor(() => far.rtp().length === 2);
    expect(a.latched?.port).toBe(second.port);
    expect(a.stats().relatches).toBe(1);
  });

  it('a source that keeps talking keeps its latch even after the silence window', async () => {
    const { a, far } = await relayed();
    a.setRemote({ address: '10.0.0.5', port: 4000 });
    const first = await phone();
    const second = await phone();
    const t0 = performance.now();
    while (performance.now() - t0 < 600) {
      first.sendRtp(a.port);
      await sleep(20);
    }
    second.sendRtp(a.port);
    await sleep(30);
    expect(a.latched?.port).toBe(first.port);
    expect(far.rtp().length).toBeGreaterThan(10);
  });

  it('expectNewSource() lapses when the old source keeps sending past expectNewSourceMs', async () => {
    const { a, far } = await relayed();
    a.setRemote({ address: '10.0.0.5', port: 4000 });
    const first = await phone();
    const second = await phone();
    first.sendRtp(a.port);
    await waitFor(() => far.rtp().length === 1);
    a.expectNewSource();
    const t0 = performance.now();
    while (performance.now() - t0 < 700) {
      first.sendRtp(a.port);
      await sleep(20);
    }
    second.sendRtp(a.port);
    await sleep(30);
    expect(a.latched?.port).toBe(first.port);
  });

  it('old-style hold (c=0.0.0.0) stops sending to the latched source until a real address returns', async () => {
    const { a, b, far } = await relayed();
    const p = await phone();
    a.setRemote({ address: '127.0.0.1', port: p.port });
    p.sendRtp(a.port);
    await waitFor(() => far.rtp().length === 1);
    a.setRemote({ address: '0.0.0.0', port: p.port });
    far.sendRtp(b.port);
    await waitFor(() => a.stats().dropped.noDestination === 1);
    a.setRemote({ address: '127.0.0.1', port: p.port });
    p.sendRtp(a.port); // the phone resumes from the same source after unhold
    far.sendRtp(b.port);
    await waitFor(() => p.rtp().length === 1);
    expect(a.latched?.port).toBe(p.port);
  });

  it('an SSRC change from the latched source is accepted as is', async () => {
    const { a, far } = await relayed();
    const p = await phone();
    a.setRemote({ address: '127.0.0.1', port: p.port });
    p.sendRtp(a.port, { ssrc: 1 });
    p.sendRtp(a.port, { ssrc: 2 });
    await waitFor(() => far.rtp().length === 2);
    expect(a.stats().relatches).toBe(0);
  });
});

describe('RTCP', () => {
  it('latches separately on port + 1, restricted to the RTP source IP, and is relayed', async () => {
    const { a, b, far } = await relayed();
    a.setRemote({ address: '10.0.0.5', port: 4000 });
    const rtp = await phone();
    const rtcp = await phone();
    const stranger = await phone('127.0.0.2');
    rtp.sendRtp(a.port);
    await waitFor(() => far.rtp().length === 1);
    const rr = new RtcpRrPacket({ ssrc: rtp.ssrc }).serialize();
    stranger.sendRaw(rr, a.rtcpPort);
    rtcp.sendRaw(rr, a.rtcpPort);
    await waitFor(() => far.received.length === 2);
    expect(a.stats().rtcpLatched).toEqual({ address: '127.0.0.1', port: rtcp.port });
    expect(a.stats().dropped.rtcpForeignSource).toBe(1);
    // B's far phone answers with RTCP: it goes to the latched RTCP source
    far.sendRaw(new RtcpRrPacket({ ssrc: far.ssrc }).serialize(), b.rtcpPort);
    await waitFor(() => rtcp.received.length === 1);
    const parsed = RtcpPacketConverter.deSerialize(rtcp.received[0]!.buf);
    expect(parsed[0]!.type).toBe(201);
  });

  it('before RTCP latches, RTCP goes to the latched RTP port + 1 behind NAT', async () => {
    const { a, b, far } = await relayed();
    a.setRemote({ address: '10.0.0.5', port: 4000 });
    const rtp = await phone();
    rtp.sendRtp(a.port);
    await waitFor(() => far.rtp().length === 1);
    expect(a.stats().latched?.port).toBe(rtp.port);
    far.sendRaw(new RtcpRrPacket({ ssrc: 5 }).serialize(), b.rtcpPort);
    await waitFor(() => b.stats().rtcpIn === 1);
    expect(a.stats().rtcpOut).toBe(1);
  });

  it('drops garbage on the RTCP port and counts it', async () => {
    const a = await engine.allocate();
    const p = await phone();
    p.sendRaw(Buffer.from('not rtcp at all'), a.rtcpPort);
    await waitFor(() => a.stats().dropped.rtcpInvalid === 1);
  });
});

describe('bad input', () => {
  const good = () => Buffer.from([0x80, 0x00, 0x00, 0x01, 0, 0, 0, 160, 0, 0, 0, 7, 0xff, 0xff]);
  const rows: Array<[string, string, () => Buffer]> = [
    ['random text', 'badVersion', () => Buffer.from('GET / HTTP/1.1\r\n\r\n')],
    ['a 3-byte datagram', 'tooShort', () => Buffer.from([0x80, 0, 1])],
    ['an empty datagram', 'tooShort', () => Buffer.alloc(0)],
    ['version 1', 'badVersion', () => Object.assign(good(), { 0: 0x40 })],
    ['CSRC count past the end', 'csrcOverrun', () => Object.assign(good(), { 0: 0x8f })],
    ['extension length past the end', 'extensionOverrun', () => Buffer.from([0x90, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xbe, 0xde, 0x00, 0x09])],
    ['padding count larger than the packet', 'badPadding', () => Object.assign(good(), { 0: 0xa0, 13: 200 })],
    ['a header with no payload', 'emptyPayload', () => good().subarray(0, 12)],
  ];

  it.each(rows)('%s is dropped and counted as %s', async (_name, reason, make) => {
    const { a, far } = await relayed();
    const p = await phone();
    a.setRemote({ address: '10.0.0.5', port: 4000 });
    p.sendRaw(make(), a.port);
    await waitFor(() => (a.stats().dropped as Record<string, number>)[reason] === 1);
    expect(a.latched).toBeUndefined(); // garbage never latches
    p.sendRaw(good(), a.port);
    await waitFor(() => far.rtp().length === 1); // and a good packet still works
    expect(a.stats().rtpIn).toBe(1);
  });

  it('a flood of garbage from many sources neither latches nor crashes, and memory stays bounded', async () => {
    const { a, far } = await relayed();
    a.setRemote({ address: '10.0.0.5', port: 4000 });
    const senders = [await phone(), await phone(), await phone('127.0.0.2'), await phone('127.0.0.3')];
    const kinds = [
      (i: number) => Buffer.from([0x80 | (i & 0x0f), i & 0xff, 0, 0, 0]), // too short
      (i: number) => Buffer.alloc(12 + (i % 50), i & 0xff), // version 0 … 3 by the fill byte
      (i: number) => Buffer.from([0x8f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, i & 0xff, 1, 2]), // 15 CSRCs in 14 octets
    ];
    let sent = 0;
    for (let batch = 0; batch < 20; batch++) {
      for (let i = 0; i < 25; i++, sent++) {
        const buf = kinds[sent % kinds.length]!(sent);
        if ((buf[0]! >> 6) === 2 && kinds[sent % kinds.length] === kinds[1]) buf[0] = 0x40; // keep it garbage
        senders[sent % senders.length]!.sendRaw(buf, a.port);
      }
      await sleep(2); // let the socket drain: the kernel would drop a burst, not us
    }
    await waitFor(() => a.stats().droppedTotal === sent, 3000, `${sent} drops`);
    expect(far.received).toHaveLength(0);
  });
});

describe('a failing consumer', () => {
  it('a sink that throws is caught at the socket edge and counted; the endpoint keeps working', async () => {
    const a = await engine.allocate();
    const p = await phone();
    a.setRemote({ address: '127.0.0.1', port: p.port });
    a.setRelaySink({
      onRtp: () => {
        throw new Error('bug');
      },
      onRtcp: () => {},
    });
    p.sendRtp(a.port);
    p.sendRtp(a.port);
    await waitFor(() => a.stats().handlingErrors === 2);
    expect(a.stats().rtpIn).toBe(2);
  });
});

describe('media timeout', () => {
  it('fires once after the timeout without RTP, with the silence it saw', async () => {
    const fired: MediaTimeoutInfo[] = [];
    const a = await engine.allocate({ handler: { onMediaTimeout: (_ep, info) => fired.push(info) } });
    a.setMediaTimeout({ timeoutMs: 150 });
    await waitFor(() => fired.length === 1, 2000, 'media timeout');
    await sleep(400);
    expect(fired).toHaveLength(1);
    expect(fired[0]!.silentMs).toBeGreaterThanOrEqual(150);
    expect(fired[0]!.onHold).toBe(false);
    expect(a.stats().mediaTimeouts).toBe(1);
  });

  it('does not fire while RTP flows, and fires once it stops', async () => {
    let fired = 0;
    const a = await engine.allocate({ handler: { onMediaTimeout: () => fired++ } });
    const p = await phone();
    a.setRemote({ address: '127.0.0.1', port: p.port });
    a.setMediaTimeout({ timeoutMs: 400 });
    const t0 = performance.now();
    while (performance.now() - t0 < 700) {
      p.sendRtp(a.port);
      await sleep(20);
    }
    expect(fired).toBe(0);
    await waitFor(() => fired === 1, 2000, 'media timeout');
  });

  it('uses the hold timeout while on hold', async () => {
    const fired: MediaTimeoutInfo[] = [];
    const a = await engine.allocate({ handler: { onMediaTimeout: (_ep, info) => fired.push(info) } });
    a.setMediaTimeout({ timeoutMs: 100, holdTimeoutMs: 600 });
    a.setOnHold(true);
    await sleep(350);
    expect(fired).toHaveLength(0);
    await waitFor(() => fired.length === 1, 2000, 'hold timeout');
    expect(fired[0]).toMatchObject({ onHold: true, timeoutMs: 600 });
  });

  it('is off until armed, and 0 disables it', async () => {
    let fired = 0;
    const a = await engine.allocate({ handler: { onMediaTimeout: () => fired++ } });
    await sleep(200);
    a.setMediaTimeout({ timeoutMs: 0 });
    await sleep(200);
    expect(fired).toBe(0);
  });

  it('a handler that throws does not stop the engine', async () => {
    let fired = 0;
    const a = await engine.allocate({
      handler: {
        onMediaTimeout: () => {
          fired++;
          throw new Error('boom');
        },
      },
    });
    const b = await engine.allocate({ handler: { onMediaTimeout: () => fired++ } });
    a.setMediaTimeout({ timeoutMs: 100 });
    b.setMediaTimeout({ timeoutMs: 100 });
    await waitFor(() => fired === 2);
  });
});

describe('lifecycle', () => {
  it('close() is idempotent, frees the ports and refuses further control calls', async () => {
    const { engine: e2, cleanup: c2 } = await makeEngine({ pairs: 1 });
    try {
      const a = await e2.allocate();
      await expect(e2.allocate()).rejects.toBeInstanceOf(PortsExhaustedError);
      const p1 = a.close();
      const p2 = a.close();
      expect(p1).toBe(p2);
      await p1;
      expect(e2.stats().portsInUse).toBe(0);
      expect(() => a.setRemote({ address: '127.0.0.1', port: 5 })).toThrow(InvalidStateError);
      a.sendRtp(Buffer.alloc(20), 20); // no throw on a closed socket: counted
      expect(a.stats().dropped.closed).toBe(1);
      const b = await e2.allocate();
      expect(b.port).toBe(a.port);
    } finally {
      await c2();
    }
  });

  it('setRemote refuses host names and bad ports', async () => {
    const a = await engine.allocate();
    expect(() => a.setRemote({ address: 'phone.example.com', port: 4000 })).toThrow(MediaAddressError);
    expect(() => a.setRemote({ address: '127.0.0.1', port: 70000 })).toThrow(MediaAddressError);
    expect(() => a.setRemote({ address: '2001:db8::1', port: 4000 })).toThrow(/family/);
    expect(() => a.setRemote({ address: '0.0.0.0', port: 4000 })).not.toThrow(); // old-style hold
  });

  it('advertises ext-rtp-ip when configured', async () => {
    const { engine: e2, cleanup: c2 } = await makeEngine({ advertisedIp: '198.51.100.7' });
    try {
      const a = await e2.allocate();
      expect(a.advertisedIp).toBe('198.51.100.7');
      expect(a.localIp).toBe('127.0.0.1');
    } finally {
      await c2();
    }
  });

  it('engine.close() closes every endpoint and a closed engine refuses allocate()', async () => {
    const a = await engine.allocate();
    const b = await engine.allocate();
    await engine.close();
    expect(a.closed && b.closed).toBe(true);
    expect(engine.stats().portsInUse).toBe(0);
    await expect(engine.allocate()).rejects.toBeInstanceOf(InvalidStateError);
  });
});
