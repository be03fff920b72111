import { createSocket } from 'node:dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RtcpSrPacket, RtcpSenderInfo } from 'werift-rtp';
import { InvalidStateError } from '../../../src/common/index.js';
import { MediaEngine, type MediaEndpoint } from '../../../src/rtp/index.js';
import { Phone, makeEngine, sleep, waitFor } from './phone.js';

let engine: MediaEngine;
let cleanup: () => Promise<void>;
let pa: Phone;
let pb: Phone;
let a: MediaEndpoint;
let b: MediaEndpoint;

beforeEach(async () => {
  ({ engine, cleanup } = await makeEngine());
  pa = await Phone.open();
  pb = await Phone.open();
  a = await engine.allocate();
  b = await engine.allocate();
  a.setRemote({ address: '127.0.0.1', port: pa.port, rtcpPort: pa.port });
  b.setRemote({ address: '127.0.0.1', port: pb.port, rtcpPort: pb.port });
});

afterEach(async () => {
  await cleanup();
  await pa.close();
  await pb.close();
});

describe('proxy relay', () => {
  it('forwards RTP byte-exact both ways: header, CSRCs, extension, padding and payload untouched', async () => {
    engine.proxy(a, b);
    const sentA: Buffer[] = [];
    const sentB: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      sentA.push(pa.sendRtp(a.port, { pt: 18, payload: Buffer.from(`g729-frame-${i}`) }));
      sentB.push(pb.sendRtp(b.port, { pt: 97, payload: Buffer.alloc(33, i) }));
    }
    // a packet with CSRCs, a header extension and padding
    const odd = Buffer.from([0xb2, 0x60, 0x12, 0x34, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde, 0, 1, 0x10, 0xaa, 0, 0, 0x42, 0x43, 0, 0, 3]);
    pa.sendRaw(odd, a.port);
    sentA.push(odd);
    await waitFor(() => pb.rtp().length === 21 && pa.rtp().length === 20);
    expect(pb.rtp().map((r) => r.buf)).toEqual(sentA);
    expect(pa.rtp().map((r) => r.buf)).toEqual(sentB);
    expect(pb.rtp()[0]!.from).toEqual({ address: '127.0.0.1', port: b.port });
  });

  it('relays RTCP both ways byte-exact, from the RTCP port', async () => {
    engine.proxy(a, b);
    pa.sendRtp(a.port);
    pb.sendRtp(b.port);
    await waitFor(() => pa.rtp().length === 1 && pb.rtp().length === 1);
    const sr = new RtcpSrPacket({ ssrc: pa.ssrc, senderInfo: new RtcpSenderInfo({ ntpTimestamp: 123n, rtpTimestamp: 456, packetCount: 7, octetCount: 8 }) }).serialize();
    pa.sendRaw(sr, a.rtcpPort);
    await waitFor(() => pb.received.length === 2);
    const got = pb.received[1]!;
    expect(got.buf).toEqual(sr);
    expect(got.from.port).toBe(b.rtcpPort);
    const rr = Buffer.from(sr);
    rr[1] = 201;
    rr.writeUInt16BE(1, 2);
    const rrShort = rr.subarray(0, 8);
    pb.sendRaw(rrShort, b.rtcpPort);
    await waitFor(() => pa.received.length === 2);
    expect(pa.received[1]!.buf).toEqual(rrShort);
    expect(engine.joinOf(a)?.stats()).toMatchObject({ aToB: { rtp: 1, rtcp: 1 }, bToA: { rtp: 1, rtcp: 1 } });
  });

  it('pause() drops and counts, resume() forwards again; one direction at a time', async () => {
    const relay = engine.proxy(a, b);
    relay.pause(a);
    pa.sendRtp(a.port);
    pb.sendRtp(b.port);
    await waitFor(() => pa.rtp().length === 1);
    await sleep(20);
    expect(pb.rtp()).toHaveLength(0);
    expect(b.stats().dropped.paused).toBe(1);
    relay.resume();
    pa.sendRtp(a.port);
    await waitFor(() => pb.rtp().length === 1);
    expect(() => relay.pause({} as MediaEndpoint)).toThrow(InvalidStateError);
  });

  it('unbridge() stops forwarding; packets are still received and counted', async () => {
    const relay = engine.proxy(a, b);
    relay.unbridge();
    relay.unbridge();
    pa.sendRtp(a.port);
    await waitFor(() => a.stats().rtpIn === 1);
    await sleep(20);
    expect(pb.received).toHaveLength(0);
    expect(engine.stats().joins.proxy).toBe(0);
  });

  it('a new proxy() on an endpoint replaces its old join', async () => {
    const c = await engine.allocate();
    const pc = await Phone.open();
    try {
      c.setRemote({ address: '127.0.0.1', port: pc.port });
      const first = engine.proxy(a, b);
      engine.proxy(a, c);
      expect(first.active).toBe(false);
      pa.sendRtp(a.port);
      await waitFor(() => pc.rtp().length === 1);
      pb.sendRtp(b.port); // b is alone now
      await sleep(20);
      expect(pa.rtp()).toHaveLength(0);
      expect(engine.stats().joins).toEqual({ proxy: 1, bridge: 0 });
    } finally {
      await pc.close();
    }
  });

  it('closing one endpoint ends the relay and the other keeps working alone', async () => {
    const relay = engine.proxy(a, b);
    await a.close();
    expect(relay.active).toBe(false);
    pb.sendRtp(b.port);
    await waitFor(() => b.stats().rtpIn === 1);
    expect(engine.stats().portsInUse).toBe(1);
  });

  it('refuses to relay an endpoint to itself or a closed one', async () => {
    expect(() => engine.proxy(a, a)).toThrow(InvalidStateError);
    await b.close();
    expect(() => engine.proxy(a, b)).toThrow(InvalidStateError);
  });

  it('keeps up with a burst of 2000 packets each way without loss or reordering', async () => {
    engine.proxy(a, b);
    for (let burst = 0; burst < 100; burst++) {
      for (let i = 0; i < 20; i++) {
        pa.sendRtp(a.port);
        pb.sendRtp(b.port);
      }
      await sleep(5);
    }
    await waitFor(() => pb.rtp().length === 2000 && pa.rtp().length === 2000, 5000, () => `2000 each way, got ${pb.rtp().length}/${pa.rtp().length}`);
    const seqs = pb.rtp().map((r) => r.buf.readUInt16BE(2));
    for (let i = 1; i < seqs.length; i++) expect((seqs[i]! - seqs[i - 1]! + 65536) % 65536).toBe(1);
    expect(a.stats().droppedTotal + b.stats().droppedTotal).toBe(0);
  });
});

describe('proxy relay on IPv6', () => {
  it('binds on ::1 and relays between IPv6 phones', async () => {
    const { engine: e6, cleanup: c6 } = await makeEngine({ rtpIp: '::1' });
    const socks = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<import('node:dgram').Socket>((resolve) => {
            const s = createSocket('udp6');
            s.bind(0, '::1', () => resolve(s));
          }),
      ),
    );
    try {
      const x = await e6.allocate();
      const y = await e6.allocate();
      expect(x.localIp).toBe('::1');
      x.setRemote({ address: '::1', port: socks[0]!.address().port });
      y.setRemote({ address: '::1', port: socks[1]!.address().port });
      e6.proxy(x, y);
      const got: Buffer[] = [];
      socks[1]!.on('message', (m) => got.push(m));
      const pkt = Buffer.from([0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 1, 2, 3]);
      socks[0]!.send(pkt, x.port, '::1');
      await waitFor(() => got.length === 1);
      expect(got[0]).toEqual(pkt);
      expect(x.latched).toEqual({ address: '::1', port: socks[0]!.address().port });
    } finally {
      for (const s of socks) s.close();
      await c6();
    }
  });
});
