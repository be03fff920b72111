// A real call between two baresip softphones registered as 1000 and 1001: 1001 dials 1000
// through ctrl_tcp, 1000 accepts, both report CALL_ESTABLISHED, 1001 hangs up, both report
// CALL_CLOSED. Meanwhile the modesl client, subscribed to CHANNEL_CREATE, CHANNEL_ANSWER,
// CHANNEL_BRIDGE and CHANNEL_HANGUP_COMPLETE, sees both legs with consistent Unique-IDs, and
// Master.csv gets the caller's record.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection, Event as EslEvent } from 'modesl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerAvailable, startSwitch, type RunningSwitch } from '../harness.js';
import { Baresip } from './baresip.js';
import { cdrLines, connectModesl, nextCdr, waitIdle, waitUntil } from './helpers.js';

const hasBaresip = peerAvailable('baresip') && peerAvailable('sox');


describe.skipIf(!hasBaresip)('a call between two baresip phones, watched with modesl', () => {
  let sw: RunningSwitch;
  const phones: Baresip[] = [];
  let conn: Connection | undefined;
  beforeAll(async () => {
    sw = await startSwitch();
  });
  afterAll(async () => {
    conn?.socket?.destroy();
    for (const p of phones) await p.stop();
    expect(await sw.stop()).toBe(0);
  });

  it('1001 calls 1000, 1000 answers, 1001 hangs up; both phones and the event socket see it all', async () => {
    const callee = await Baresip.start('1000', sw.internalPort);
    phones.push(callee);
    const caller = await Baresip.start('1001', sw.internalPort);
    phones.push(caller);

    conn = await connectModesl(sw.eslPort);
    const subscribed = await new Promise<EslEvent>((resolve) => conn!.events('plain', ['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_BRIDGE', 'CHANNEL_HANGUP_COMPLETE'], resolve));
    expect(subscribed.getHeader('Reply-Text')).toMatch(/^\+OK event listener enabled plain/);
    const seen: EslEvent[] = [];
    conn.on('esl::event::**', (e: EslEvent) => {
      if (e.getHeader('Event-Name')?.startsWith('CHANNEL_')) seen.push(e);
    });
    const before = cdrLines(sw).length;

    const dialed = await caller.command('dial', 'sip:1000@127.0.0.1');
    expect(dialed.ok, dialed.data).toBe(true);
    const incoming = await callee.waitEvent('CALL_INCOMING');
    expect(incoming.peeruri).toMatch(/^sip:1001@127\.0\.0\.1/);
    const accepted = await callee.command('accept');
    expect(accepted.ok, accepted.data).toBe(true);
    const establishedCaller = await caller.waitEvent('CALL_ESTABLISHED');
    const establishedCallee = await callee.waitEvent('CALL_ESTABLISHED');
    // Bypass media: the phones send RTP to each other; hold the call a moment so both hear it.
    await new Promise((r) => setTimeout(r, 1200));
    const hung = await caller.command('hangup');
    expect(hung.ok, hung.data).toBe(true);
    await caller.waitEvent('CALL_CLOSED');
    await callee.waitEvent('CALL_CLOSED');

    const names = () => seen.map((e) => e.getHeader('Event-Name'));
    await waitUntil(() => names().filter((n) => n === 'CHANNEL_HANGUP_COMPLETE').length === 2, 5000, `both HANGUP_COMPLETE events (got ${names().join(', ')})`);
    const of = (name: string) => seen.filter((e) => e.getHeader('Event-Name') === name);
    const creates = of('CHANNEL_CREATE');
    expect(creates).toHaveLength(2);
    const a = creates.find((e) => e.getHeader('Call-Direction') === 'inbound')!;
    const b = creates.find((e) => e.getHeader('Call-Direction') === 'outbound')!;
    const aId = a.getHeader('Unique-ID')!;
    const bId = b.getHeader('Unique-ID')!;
    expect(aId).toMatch(/^[0-9a-f-]{36}$/);
    expect(bId).toMatch(/^[0-9a-f-]{36}$/);
    expect(aId).not.toBe(bId);
    expect(a.getHeader('Caller-Caller-ID-Number')).toBe('1001');
    expect(a.getHeader('Caller-Destination-Number')).toBe('1000');

    const answers = of('CHANNEL_ANSWER');
    expect(answers.map((e) => e.getHeader('Unique-ID')).sort()).toEqual([aId, bId].sort());
    // The callee answers first, then the switch answers the caller.
    expect(answers[0]!.getHeader('Unique-ID')).toBe(bId);
    expect(answers[0]!.getHeader('Other-Leg-Unique-ID')).toBe(aId);
    // The A-leg is 1001's call to 1000; the B-leg is the switch's INVITE to 1000's phone: each
    // carries the SIP Call-ID the phone reported for its side (the B-leg's is set once its
    // INVITE is built, after CHANNEL_CREATE, as in FreeSWITCH).
    expect(a.getHeader('variable_sip_call_id')).toBe(establishedCaller.id);
    expect(answers[0]!.getHeader('variable_sip_call_id')).toBe(establishedCallee.id);
    expect(establishedCallee.id).toBe(incoming.id);

    const bridges = of('CHANNEL_BRIDGE');
    expect(bridges).toHaveLength(1);
    expect(bridges[0]!.getHeader('Unique-ID')).toBe(aId);
    expect(bridges[0]!.getHeader('Bridge-A-Unique-ID')).toBe(aId);
    expect(bridges[0]!.getHeader('Bridge-B-Unique-ID')).toBe(bId);
    expect(bridges[0]!.getHeader('Other-Leg-Unique-ID')).toBe(bId);

    const completes = of('CHANNEL_HANGUP_COMPLETE');
    expect(completes.map((e) => e.getHeader('Unique-ID')).sort()).toEqual([aId, bId].sort());
    for (const e of completes) expect(e.getHeader('Hangup-Cause')).toBe('NORMAL_CLEARING');
    const aDone = completes.find((e) => e.getHeader('Unique-ID') === aId)!;
    expect(aDone.getHeader('variable_bridge_to') ?? aDone.getHeader('variable_last_bridge_to')).toBe(bId);
    expect(Number(aDone.getHeader('variable_billsec'))).toBeGreaterThanOrEqual(1);
    // Order: every leg is created before it answers, and ends after it was bridged.
    const index = (name: string, id: string) => seen.findIndex((e) => e.getHeader('Event-Name') === name && e.getHeader('Unique-ID') === id);
    expect(index('CHANNEL_CREATE', aId)).toBeLessThan(index('CHANNEL_CREATE', bId));
    expect(index('CHANNEL_ANSWER', bId)).toBeLessThan(index('CHANNEL_BRIDGE', aId));
    expect(index('CHANNEL_BRIDGE', aId)).toBeLessThan(index('CHANNEL_HANGUP_COMPLETE', aId));

    const cdr = await nextCdr(sw, before);
    expect(cdr).toMatchObject({ callerIdNumber: '1001', destination: '1000', hangupCause: 'NORMAL_CLEARING', uuid: aId, blegUuid: bId });
    expect(cdr.billsec).toBeGreaterThanOrEqual(1);
    await waitIdle(sw);
    // Media bypasses the switch (SDP passed through): each phone decoded the other's 440 Hz tone.
    for (const p of phones) {
      const dec = readdirSync(join(p.dir, 'snd')).filter((f) => f.endsWith('-dec.wav'));
      expect(dec, `baresip ${p.user} decoded nothing`).toHaveLength(1);
      const r = spawnSync('sox', [join(p.dir, 'snd', dec[0]!), '-n', 'stat'], { encoding: 'utf8' });
      const text = r.stdout + r.stderr; // sox writes stat to stderr
      expect(Number(/Length \(seconds\):\s+([\d.]+)/.exec(text)?.[1])).toBeGreaterThan(0.5);
      expect(Math.abs(Number(/Rough\s+frequency:\s+(\d+)/.exec(text)?.[1]) - 440)).toBeLessThan(15);
    }
  });
});
