// Calls on a copy of the shipped conf/ with test edits (the shipped files are never touched):
// Local_Extension rings for 2 s instead of 30 (the no-answer case); 1019's dial-string points
// at the switch's own external profile, which lets 127.0.0.1 in as a trunk (a forward that
// loops back); and a dialplan file the test breaks and mends to watch reloadxml.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, peerAvailable, startSwitch, type RunningSwitch } from '../harness.js';
import { call, cdrLines, cli, cliResult, codes, confCopy, count, nextCdr, received, sent, startCallee, waitIdle, waitUntil, type Callee } from './helpers.js';

const hasSipp = peerAvailable('sipp');

describe.skipIf(!hasSipp)('calls on a test copy of the conf', () => {
  let sw: RunningSwitch;
  let conf: ReturnType<typeof confCopy>;
  let callee: Callee | undefined;
  beforeAll(async () => {
    // The switch's external port goes into 1019's dial-string, so it is chosen here.
    const externalPort = await freePort();
    conf = confCopy({
      'dialplan/default.xml': (t) => t.replace('<action application="set" data="call_timeout=30"/>', '<action application="set" data="call_timeout=2"/>'),
      'directory/default/1019.xml': (t) =>
        t.replace('<params>', '<params>\n      <param name="dial-string" value="sofia/internal/1019@127.0.0.1:$${external_sip_port}"/>'),
      // …where calls from 127.0.0.1 are let in as from a trunk (the external profile refuses
      // INVITEs from addresses that are no gateway of it).
      'sip_profiles/external.xml': (t) =>
        t.replace('<param name="context" value="public"/>', '<param name="context" value="public"/>\n    <param name="apply-inbound-acl" value="loopback.auto"/>'),
    });
    sw = await startSwitch({ confDir: conf.dir, vars: { auth_fail_ban_count: '0', external_sip_port: String(externalPort) } });
  });
  afterEach(async () => {
    await callee?.stop();
    callee = undefined;
    await waitIdle(sw, 20_000);
  });
  afterAll(async () => {
    expect(await sw.stop()).toBe(0);
    conf.remove();
  });

  it('nobody answers within call_timeout: the switch cancels 1000 and 1001 gets 480 with a NO_ANSWER CDR', async () => {
    callee = await startCallee(sw, 'uas-ring-180-expect-cancel.xml');
    const before = cdrLines(sw).length;
    const started = Date.now();
    const r = await call(sw, 'uac-invite-auth-expect-480.xml', '1000');
    const tookMs = Date.now() - started;
    expect(r.code, r.stdout + r.stderr + r.messages).toBe(0);
    expect(codes(received(r.messages))).toEqual([100, 407, 100, 183, 480]);
    expect(r.messages).toMatch(/SIP\/2\.0 480 Temporarily Unavailable[\s\S]*Reason: Q\.850;cause=19;text="NO_ANSWER"/);
    expect(tookMs).toBeGreaterThanOrEqual(2000);
    expect(tookMs).toBeLessThan(6000);
    expect(await nextCdr(sw, before)).toMatchObject({ callerIdNumber: '1001', destination: '1000', hangupCause: 'NO_ANSWER', answer: '', billsec: 0 });
    await waitUntil(() => /ACK sip:/.test(callee!.messages()), 5000, "the ACK of the callee's 487");
    const side = await callee.stop();
    expect(side.errors).toBe('');
    expect(received(side.messages).filter((l) => !l.startsWith('SIP/2.0')).map((l) => l.split(' ')[0])).toEqual(['INVITE', 'CANCEL', 'ACK']);
    expect(sent(side.messages).at(-1)).toBe('SIP/2.0 487 Request Terminated');
  });

  it('a call that loops back into the switch ends with 483 once Max-Forwards runs out, and nothing is left over', async () => {
    // 1001 → 1019 → sofia/internal/1019@<our external port> → public → default → 1019 → …,
    // Max-Forwards one lower on each pass.
    const before = cdrLines(sw).length;
    const r = await call(sw, 'uac-invite-auth-expect-483.xml', '1019', [], 30);
    expect(r.code, r.stdout + r.stderr + r.messages).toBe(0);
    expect(codes(received(r.messages)).at(-1)).toBe(483);
    await waitIdle(sw, 20_000);
    expect(await count(sw, 'calls')).toBe(0);
    const lines = cdrLines(sw).slice(before);
    // One A-leg record per pass: the first from 1001, then one per INVITE the switch sent itself.
    expect(lines.length).toBeGreaterThanOrEqual(60);
    expect(new Set(lines.map((l) => l.hangupCause))).toEqual(new Set(['EXCHANGE_ROUTING_ERROR']));
    expect(lines.filter((l) => l.context === 'default' && l.callerIdNumber === '1001').length).toBeGreaterThanOrEqual(1);
  });

  it('reloadxml with a dialplan regex that does not compile answers -ERR <file>:<line>:<col>, and calls keep working', async () => {
    const file = join(conf.dir, 'dialplan', 'default', 'zz-broken.xml'); // included by default.xml's default/*.xml
    writeFileSync(file, '<include>\n  <extension name="broken">\n    <condition field="destination_number" expression="^(12(34$">\n      <action application="hangup"/>\n    </condition>\n  </extension>\n</include>\n');
    try {
      const { code, stdout: out } = await cliResult(sw, 'reloadxml');
      expect(code).toBe(1);
      // The file relative to the conf folder, the line and column of the <condition>, the regex.
      expect(out).toMatch(/^-ERR dialplan\/default\/zz-broken\.xml:3:\d+ dialplan regex \/\^\(12\(34\$\/ does not compile: .+\n$/);
      // The running dialplan is the old one: 1000 is still reachable.
      callee = await startCallee(sw, 'uas-answer-200-expect-bye.xml');
      const r = await call(sw, 'uac-invite-auth-expect-200-send-bye.xml', '1000', ['-d', '200']);
      expect(r.code, r.stdout + r.stderr + r.messages).toBe(0);
      expect(codes(received(r.messages))).toEqual([100, 407, 100, 183, 200, 200]);
    } finally {
      writeFileSync(file, '<include/>\n');
    }
    // Mended, the file loads again.
    expect(await cli(sw, 'reloadxml')).toBe('+OK [Success]\n');
  });
});
