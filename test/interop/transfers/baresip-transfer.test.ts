// A blind transfer between real phones (issue 7): three baresip softphones, A = 1001 sending
// 440 Hz, B = 1000 sending 880 Hz, C = 1002 sending 1320 Hz. A calls B, B answers, then B
// transfers A to 1002 with baresip's own `transfer` command (a REFER). B is released, C rings,
// A hears music on hold meanwhile (transfer_ringback), C answers, and A and C hear each other.
// The same in bypass mode (A reached B through a test extension with bypass_media): the switch
// re-INVITEs A with C's media, and C with A's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerAvailable, startSwitch, type RunningSwitch } from '../harness.js';
import { Baresip } from '../calls/baresip.js';
import { presence } from '../media/tones.js';
import { confCopy, waitIdle } from '../calls/helpers.js';
import { TEST_EXTENSIONS } from '../media/test-extensions.js';

const hasBaresip = peerAvailable('baresip');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!hasBaresip)('a blind transfer between baresip phones', () => {
  let sw: RunningSwitch;
  let conf: ReturnType<typeof confCopy>;
  const phones: Baresip[] = [];
  let a: Baresip;
  let b: Baresip;
  let c: Baresip;
  beforeAll(async () => {
    conf = confCopy({ 'dialplan/default/00_local_extensions.xml': () => TEST_EXTENSIONS });
    sw = await startSwitch({ confDir: conf.dir });
    phones.push((b = await Baresip.start('1000', sw.internalPort, { toneHz: 880 })));
    phones.push((a = await Baresip.start('1001', sw.internalPort, { toneHz: 440 })));
    phones.push((c = await Baresip.start('1002', sw.internalPort, { toneHz: 1320 })));
  });
  afterAll(async () => {
    for (const p of phones) await p.stop();
    expect(await sw.stop()).toBe(0);
    conf.remove();
  });

  /** A dials `dest` (B answers), B transfers A to 1002, C answers; A hangs up at the end. */
  async function transfer(dest: string): Promise<void> {
    for (const p of [a, b, c]) {
      p.clearRecordings();
      p.events.length = 0;
    }
    expect((await a.command('dial', `sip:${dest}@127.0.0.1`)).ok).toBe(true);
    await b.waitEvent('CALL_INCOMING');
    expect((await b.command('accept')).ok).toBe(true);
    await a.waitEvent('CALL_ESTABLISHED');
    await sleep(1000);
    const transferred = await b.command('transfer', 'sip:1002@127.0.0.1');
    expect(transferred.ok, transferred.data).toBe(true);
    await b.waitEvent('CALL_CLOSED');
    await c.waitEvent('CALL_INCOMING');
    expect(a.events.some((e) => e.type === 'CALL_CLOSED')).toBe(false);
    await sleep(1500); // A hears the transfer ringback while C rings (default mode)
    expect((await c.command('accept')).ok).toBe(true);
    await c.waitEvent('CALL_ESTABLISHED');
    await sleep(2000);
    expect((await a.command('hangup')).ok).toBe(true);
    await a.waitEvent('CALL_CLOSED');
    await c.waitEvent('CALL_CLOSED');
    await waitIdle(sw);
  }

  it('B transfers A to C: B is released, A and C talk', async () => {
    await transfer('1000');
    const heardByA = a.decoded();
    const seconds = heardByA.samples.length / heardByA.rate;
    expect(presence(heardByA, 880, 0.2, 0.9), 'A heard B before the transfer').toBeGreaterThan(0.5);
    expect(presence(heardByA, 1320, seconds - 1.5, seconds), 'A hears C at the end').toBeGreaterThan(0.5);
    expect(presence(heardByA, 880, seconds - 1.5, seconds), 'no B at the end').toBeLessThan(0.1);
    expect(presence(c.decoded(), 440), 'C hears A').toBeGreaterThan(0.5);
  });

  it('in bypass mode too: A is re-INVITEd towards C and they hear each other', async () => {
    await transfer('711000');
    const heardByA = a.decoded();
    const seconds = heardByA.samples.length / heardByA.rate;
    expect(presence(heardByA, 1320, seconds - 1.5, seconds), 'A hears C at the end').toBeGreaterThan(0.5);
    expect(presence(c.decoded(), 440), 'C hears A').toBeGreaterThan(0.5);
  });
});
