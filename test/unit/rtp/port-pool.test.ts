import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { PortPool, PortsExhaustedError, RtpBindError, type RtpPortPair } from '../../../src/rtp/index.js';
import { randomRange } from './phone.js';

async function occupy(port: number): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => resolve());
  });
  return s;
}

describe('PortPool', () => {
  it('hands out even RTP ports with RTCP on port + 1, inside the range, bound on the IP', async () => {
    const { portStart, portEnd } = randomRange(4);
    const pool = new PortPool({ ip: '127.0.0.1', start: portStart, end: portEnd });
    expect(pool.capacity).toBe(4);
    const pairs: RtpPortPair[] = [];
    for (let i = 0; i < 4; i++) pairs.push(await pool.allocate());
    try {
      for (const p of pairs) {
        expect(p.port % 2).toBe(0);
        expect(p.rtcpPort).toBe(p.port + 1);
        expect(p.port).toBeGreaterThanOrEqual(portStart);
        expect(p.rtcpPort).toBeLessThanOrEqual(portEnd);
        expect(p.rtp.address()).toMatchObject({ address: '127.0.0.1', port: p.port });
        expect(p.rtcp.address()).toMatchObject({ address: '127.0.0.1', port: p.rtcpPort });
      }
      expect(new Set(pairs.map((p) => p.port)).size).toBe(4);
      expect(pool.inUse).toBe(4);
    } finally {
      for (const p of pairs) await pool.release(p);
    }
    expect(pool.inUse).toBe(0);
  });

  it('keeps RTCP inside the range: an odd start and an end that would split a pair are trimmed', () => {
    const pool = new PortPool({ ip: '127.0.0.1', start: 40001, end: 40008 });
    expect(pool.firstPort).toBe(40002);
    expect(pool.lastPort).toBe(40006);
    expect(pool.capacity).toBe(3);
  });

  it('throws PortsExhaustedError with a stable code when every pair is in use, and recovers on release', async () => {
    const { portStart, portEnd } = randomRange(2);
    const pool = new PortPool({ ip: '127.0.0.1', start: portStart, end: portEnd });
    const a = await pool.allocate();
    const b = await pool.allocate();
    const err = await pool.allocate().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortsExhaustedError);
    expect((err as PortsExhaustedError).code).toBe('ERR_RTP_PORTS_EXHAUSTED');
    expect((err as PortsExhaustedError).inUse).toBe(2);
    await pool.release(a);
    const c = await pool.allocate();
    expect(c.port).toBe(a.port);
    await pool.release(b);
    await pool.release(c);
  });

  it('releasing a pair twice releases it once', async () => {
    const { portStart, portEnd } = randomRange(2);
    const pool = new PortPool({ ip: '127.0.0.1', start: portStart, end: portEnd });
    const a = await pool.allocate();
    const b = await pool.allocate();
    await pool.release(a);
    await pool.release(a);
    expect(pool.inUse).toBe(1);
    await pool.release(b);
    expect(pool.inUse).toBe(0);
  });

  it('walks the range round-robin: a released pair is reused last', async () => {
    const { portStart, portEnd } = randomRange(3);
    const pool = new PortPool({ ip: '127.0.0.1', start: portStart, end: portEnd });
    const a = await pool.allocate();
    await pool.release(a);
    const b = await pool.allocate();
    const c = await pool.allocate();
    expect([b.port, c.port]).not.toContain(a.port);
    await pool.release(b);
    await pool.release(c);
  });

  it('skips pairs another process holds (RTP or RTCP port) and counts them', async () => {
    const { portStart, portEnd } = randomRange(3);
    const blockers = [await occupy(portStart), await occupy(portStart + 3)]; // RTP of pair 0, RTCP of pair 1
    try {
      const pool = new PortPool({ ip: '127.0.0.1', start: portStart, end: portEnd });
      const p = await pool.allocate();
      expect(p.port).toBe(portStart + 4);
      expect(pool.refused).toBe(2);
      expect(pool.inUse).toBe(1);
      await expect(pool.allocate()).rejects.toBeInstanceOf(PortsExhaustedError);
      await pool.release(p);
    } finally {
      for (const s of blockers) s.close();
    }
  });

  it('gives up after maxBindAttempts refusals instead of scanning forever', async () => {
    const { portStart, portEnd } = randomRange(4);
    const blockers = [await occupy(portStart), await occupy(portStart + 2)];
    try {
      const pool = new PortPool({ ip: '127.0.0.1', start: portStart, end: portEnd, maxBindAttempts: 2 });
      const err = await pool.allocate().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PortsExhaustedError);
      expect((err as Error).message).toMatch(/2 pairs refused/);
    } finally {
      for (const s of blockers) s.close();
    }
  });

  it('concurrent allocations get distinct pairs', async () => {
    const { portStart, portEnd } = randomRange(6);
    const pool = new PortPool({ ip: '127.0.0.1', start: portStart, end: portEnd });
    const pairs = await Promise.all([1, 2, 3, 4, 5, 6].map(() => pool.allocate()));
    expect(new Set(pairs.map((p) => p.port)).size).toBe(6);
    await Promise.all(pairs.map((p) => pool.release(p)));
    expect(pool.inUse).toBe(0);
  });

  it('an IP that is not on this host is an RtpBindError, not exhaustion', async () => {
    const { portStart, portEnd } = randomRange(2);
    const pool = new PortPool({ ip: '192.0.2.77', start: portStart, end: portEnd });
    const err = await pool.allocate().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RtpBindError);
    expect((err as RtpBindError).code).toBe('ERR_RTP_BIND');
    expect(pool.inUse).toBe(0);
  });

  it('refuses a range that is empty or out of bounds', () => {
    expect(() => new PortPool({ ip: '127.0.0.1', start: 5000, end: 5000 })).toThrow(RtpBindError);
    expect(() => new PortPool({ ip: '127.0.0.1', start: 0, end: 70000 })).toThrow(RtpBindError);
  });
});
