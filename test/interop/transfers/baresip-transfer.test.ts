// A blind transfer between real phones (issue 7): three baresip softphones, A = 1001 sending
// 440 Hz, B = 1000 sending 880 Hz, C = 1002 sending 1320 Hz. A calls B, B answers, then B
// transfers A to 1002 with baresip's own `transfer` command (a REFER). B is released, C rings,
// A hears music on hold meanwhile (transfer_ringback), C answers, and A and C hear each other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerAvailable, startSwitch, type RunningSwitch } from '../harness.js';
import { Baresip } from '../calls/baresip.js';
import { waitIdle } from '../calls/helpers.js';

const hasBaresip = peerAvailable('baresip');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Peak amplitude of `hz` in x[from, to) (Goertzel). */
function amplitude(x: Int16Array, hz: number, rate: number, from: number, to: number): number {
  const c = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < to; i++) {
    const s0 = x[i]! + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (2 * Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - c * s1 * s2))) / Math.max(1, to - from);
}

/** The share of 100 ms windows of rec[fromSec, toSec) in which `hz` is clearly there. */
function presence(rec: { samples: Int16Array; rate: number }, hz: number, fromSec = 0, toSec = rec.samples.length / rec.rate): number {
  const win = Math.floor(rec.rate / 10);
  let hits = 0;
  let windows = 0;
  for (let at = Math.floor(fromSec * rec.rate); at + win <= Math.min(rec.samples.length, toSec * rec.rate); at += win) {
    windows++;
    const a = amplitude(rec.samples, hz, rec.rate, at, at + win);
    if (a > 300 && a > 4 * amplitude(rec.samples, 1870, rec.rate, at, at + win)) hits++;
  }
  return windows === 0 ? 0 : hits / windows;
}

describe.skipIf(!hasBaresip)('a blind transfer between baresip phones', () => {
  let sw: RunningSwitch;
  const phones: Baresip[] = [];
  beforeAll(async () => {
    sw = await startSwitch();
  });
  afterAll(async () => {
    for (const p of phones) await p.stop();
    expect(await sw.stop()).toBe(0);
  });

  it('B transfers A to C: B is released, A and C talk', async () => {
    const b = await Baresip.start('1000', sw.internalPort, { toneHz: 880 });
    phones.push(b);
    const a = await Baresip.start('1001', sw.internalPort, { toneHz: 440 });
    phones.push(a);
    const c = await Baresip.start('1002', sw.internalPort, { toneHz: 1320 });
    phones.push(c);

    expect((await a.command('dial', 'sip:1000@127.0.0.1')).ok).toBe(true);
    await b.waitEvent('CALL_INCOMING');
    expect((await b.command('accept')).ok).toBe(true);
    await a.waitEvent('CALL_ESTABLISHED');
    await sleep(1000);
    const transferred = await b.command('transfer', 'sip:1002@127.0.0.1');
    expect(transferred.ok, transferred.data).toBe(true);
    await b.waitEvent('CALL_CLOSED');
    await c.waitEvent('CALL_INCOMING');
    expect(a.events.some((e) => e.type === 'CALL_CLOSED')).toBe(false);
    await sleep(1500); // A hears the transfer ringback while C rings
    expect((await c.command('accept')).ok).toBe(true);
    await c.waitEvent('CALL_ESTABLISHED');
    await sleep(2000);
    expect((await a.command('hangup')).ok).toBe(true);
    await a.waitEvent('CALL_CLOSED');
    await c.waitEvent('CALL_CLOSED');
    await waitIdle(sw);

    const heardByA = a.decoded();
    const seconds = heardByA.samples.length / heardByA.rate;
    expect(presence(heardByA, 880, 0.2, 0.9), 'A heard B before the transfer').toBeGreaterThan(0.5);
    expect(presence(heardByA, 1320, seconds - 1.5, seconds), 'A hears C at the end').toBeGreaterThan(0.5);
    expect(presence(heardByA, 880, seconds - 1.5, seconds), 'no B at the end').toBeLessThan(0.1);
    expect(presence(c.decoded(), 440), 'C hears A').toBeGreaterThan(0.5);
  });
});
