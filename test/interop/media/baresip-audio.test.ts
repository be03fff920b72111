// Audio through the switch, heard by real phones (issue 6): two baresip softphones, 1001
// sending a 440 Hz sine and 1000 an 880 Hz one, each recording what it decodes. Default mode
// through the shipped Local_Extension: the caller hears the switch's ringback (us-ring,
// 440+480 Hz) while 1000 rings, then each hears the other's tone. Proxy mode: the tones pass
// through the relay. Bypass: they pass phone to phone, the switch holding no RTP socket. 9196 (echo) sends the caller's own tone back; 9197 (milliwatt) is 1004 Hz;
// 9664 is music on hold. Tones are found with a Goertzel filter over the recordings.
import { readdirSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerAvailable, startSwitch, type RunningSwitch } from '../harness.js';
import { Baresip } from '../calls/baresip.js';
import { level, presence } from './tones.js';
import { cli, confCopy, waitIdle } from '../calls/helpers.js';
import { TEST_EXTENSIONS } from './test-extensions.js';

const hasBaresip = peerAvailable('baresip');

/** How many sockets the switch process holds open now (its RTP sockets among them). */
function socketsOf(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!hasBaresip)('audio through the switch between baresip phones', () => {
  let sw: RunningSwitch;
  let conf: ReturnType<typeof confCopy>;
  let caller: Baresip;
  let callee: Baresip;
  beforeAll(async () => {
    conf = confCopy({ 'dialplan/default/00_local_extensions.xml': () => TEST_EXTENSIONS });
    sw = await startSwitch({ confDir: conf.dir });
    callee = await Baresip.start('1000', sw.internalPort, { toneHz: 880 });
    caller = await Baresip.start('1001', sw.internalPort, { toneHz: 440 });
  });
  afterAll(async () => {
    await caller?.stop();
    await callee?.stop();
    expect(await sw.stop()).toBe(0);
    conf.remove();
  });

  /**
   * 1001 dials `dest`; 1000 answers after `ringMs` when it is called; both talk for `talkMs`.
   * Resolves with how many more sockets the switch held during the call than before it.
   */
  async function talk(dest: string, ringMs: number, talkMs: number): Promise<number> {
    const idleSockets = socketsOf(sw.process.pid!);
    caller.clearRecordings();
    callee.clearRecordings();
    caller.events.length = 0;
    callee.events.length = 0;
    const dialed = await caller.command('dial', `sip:${dest}@127.0.0.1`);
    expect(dialed.ok, dialed.data).toBe(true);
    await callee.waitEvent('CALL_INCOMING');
    await sleep(ringMs);
    expect((await callee.command('accept')).ok).toBe(true);
    await caller.waitEvent('CALL_ESTABLISHED');
    await callee.waitEvent('CALL_ESTABLISHED');
    await sleep(talkMs / 2);
    const callSockets = socketsOf(sw.process.pid!);
    await sleep(talkMs / 2);
    expect((await caller.command('hangup')).ok).toBe(true);
    await caller.waitEvent('CALL_CLOSED');
    await callee.waitEvent('CALL_CLOSED');
    await waitIdle(sw);
    return callSockets - idleSockets;
  }

  /** 1001 dials a number the switch answers itself, listens for `ms`, hangs up. */
  async function listen(dest: string, ms: number): Promise<{ samples: Int16Array; rate: number }> {
    caller.clearRecordings();
    caller.events.length = 0;
    expect((await caller.command('dial', `sip:${dest}@127.0.0.1`)).ok).toBe(true);
    await caller.waitEvent('CALL_ESTABLISHED');
    await sleep(ms);
    expect((await caller.command('hangup')).ok).toBe(true);
    await caller.waitEvent('CALL_CLOSED');
    await waitIdle(sw);
    return caller.decoded();
  }

  it('default mode: the caller hears ringback while 1000 rings, then each phone hears the other', async () => {
    await talk('1000', 1500, 2000);
    const heard = caller.decoded();
    const n = heard.samples.length / heard.rate;
    expect(presence(heard, 480, 0, 1.2), 'ringback (480 Hz) before the answer').toBeGreaterThan(0.5);
    expect(presence(heard, 880, n - 1.5, n), "the callee's 880 Hz after the answer").toBeGreaterThan(0.6);
    expect(presence(heard, 480, n - 1.5, n), 'no ringback after the answer').toBeLessThan(0.1);
    const calleeHeard = callee.decoded();
    expect(presence(calleeHeard, 440), "the caller's 440 Hz at the callee").toBeGreaterThan(0.6);
  });

  it('proxy mode: each phone hears the other through the relay (RTP and RTCP sockets for both legs)', async () => {
    const extraSockets = await talk('721000', 200, 2000);
    expect(presence(caller.decoded(), 880)).toBeGreaterThan(0.5);
    expect(presence(callee.decoded(), 440)).toBeGreaterThan(0.5);
    expect(extraSockets).toBeGreaterThanOrEqual(4);
  });

  it('bypass mode: each phone hears the other, and the switch opens no RTP socket for the call', async () => {
    const extraSockets = await talk('711000', 200, 2000);
    expect(presence(caller.decoded(), 880)).toBeGreaterThan(0.5);
    expect(presence(callee.decoded(), 440)).toBeGreaterThan(0.5);
    expect(extraSockets).toBe(0);
  });

  /**
   * 1001 calls `dest`, 1000 answers; after 1.5 s `hold()` runs, 2.5 s later `resume()`, 2 s later
   * 1001 hangs up. What 1000 heard: 1001 before, music on hold (not 1001) during, 1001 after.
   */
  async function holdAndResume(dest: string, hold: () => Promise<void>, resume: () => Promise<void>): Promise<void> {
    caller.clearRecordings();
    callee.clearRecordings();
    caller.events.length = 0;
    callee.events.length = 0;
    expect((await caller.command('dial', `sip:${dest}@127.0.0.1`)).ok).toBe(true);
    await callee.waitEvent('CALL_INCOMING');
    expect((await callee.command('accept')).ok).toBe(true);
    await caller.waitEvent('CALL_ESTABLISHED');
    await callee.waitEvent('CALL_ESTABLISHED');
    await sleep(1500);
    await hold();
    await sleep(2500);
    await resume();
    await sleep(2000);
    expect((await caller.command('hangup')).ok).toBe(true);
    await caller.waitEvent('CALL_CLOSED');
    await callee.waitEvent('CALL_CLOSED');
    await waitIdle(sw);
    const heard = callee.decoded();
    const n = heard.samples.length / heard.rate;
    expect(presence(heard, 440, 0.3, 1.3), '1001 before the hold').toBeGreaterThan(0.6);
    expect(presence(heard, 440, 2.3, 3.8), 'no 1001 during the hold').toBeLessThan(0.2);
    expect(level(heard, 2.3, 3.8), 'music during the hold').toBeGreaterThan(200);
    expect(presence(heard, 440, n - 1.5, n), '1001 after the resume').toBeGreaterThan(0.6);
  }

  it('hold: while 1001 holds, 1000 hears music on hold instead of 1001; after resume, 1001 again', async () => {
    const command = async (name: string) => {
      const r = await caller.command(name);
      expect(r.ok, r.data).toBe(true);
    };
    await holdAndResume('731000', () => command('hold'), () => command('resume'));
  });

  it('uuid_hold from the console: 1000 hears music on hold instead of 1001; uuid_hold off brings 1001 back', async () => {
    // The caller's leg, as the Local_Extension bookkeeping recorded it.
    const uuid = async () => {
      const id = (await cli(sw, 'hash select/127.0.0.1-last_dial_ext/1000')).trim();
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      return id;
    };
    await holdAndResume(
      '1000',
      async () => expect(await cli(sw, `uuid_hold ${await uuid()}`)).toBe('+OK Success\n'),
      async () => expect(await cli(sw, `uuid_hold off ${await uuid()}`)).toBe('+OK Success\n'),
    );
  });

  it('9196 echo: the caller hears its own tone back', async () => {
    const heard = await listen('9196', 2000);
    expect(presence(heard, 440)).toBeGreaterThan(0.6);
  });

  it('9197 milliwatt: a 1004 Hz tone', async () => {
    const heard = await listen('9197', 1500);
    expect(presence(heard, 1004)).toBeGreaterThan(0.6);
  });

  it('9664 music on hold: sound, neither silence nor a single test tone', async () => {
    const heard = await listen('9664', 2000);
    expect(level(heard)).toBeGreaterThan(200);
    expect(presence(heard, 440)).toBeLessThan(0.5);
  });
});
