// Transfers and pickup through the real switch with SIPp phones (issue 7). A callee that
// answers and sends a blind REFER: 202, the sipfrag NOTIFYs, its release with BYE, while the
// caller goes on (transferred to 9196, the echo, it keeps its call). Bad REFERs get their
// errors. Pickup: 1001 calls 1000, which rings; 1002 dials 886 / *8 / **1000 and gets the call,
// 1000 gets a CANCEL saying the call was completed elsewhere; with nothing to pick up, 404.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { peerAvailable, sipp, startSwitch, type RunningSwitch } from '../harness.js';
import { PASSWORD, call, cdrLines, received, startCallee, waitIdle, waitUntil, type Callee } from '../calls/helpers.js';

const hasSipp = peerAvailable('sipp');

/** SIPp as `user` (password 1234, From and Contact its own) dialling `dest`, answered expected. */
async function callAs(sw: RunningSwitch, user: string, dest: string, holdMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-inf-'));
  try {
    writeFileSync(join(dir, 'users.csv'), `SEQUENTIAL\n${user};\n`);
    return await sipp('uac-invite-digest-expect-200-send-bye.xml', `127.0.0.1:${sw.internalPort}`, [
      '-s', dest, '-mi', '127.0.0.1', '-au', user, '-ap', PASSWORD, '-inf', join(dir, 'users.csv'), '-d', String(holdMs),
    ], 20);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The whole text of each message whose first line starts with `start` that SIPp received. */
function receivedText(messages: string, start: string): string[] {
  return messages
    .split(/^-{10,}.*$/m)
    .map((b) => b.replace(/\r/g, ''))
    .filter((b) => /message received/.test(b))
    .map((b) => b.slice(b.indexOf('\n\n') + 2).trim())
    .filter((b) => b.startsWith(start));
}

describe.skipIf(!hasSipp)('transfers and pickup with SIPp phones', () => {
  let sw: RunningSwitch;
  let callee: Callee | undefined;
  beforeAll(async () => {
    sw = await startSwitch({ vars: { auth_fail_ban_count: '0' } });
  });
  afterEach(async () => {
    await callee?.stop();
    callee = undefined;
    await waitIdle(sw, 15_000);
  });
  afterAll(async () => {
    expect(await sw.stop()).toBe(0);
  });

  it('blind REFER from the callee: 202, NOTIFY 100 then 200 (terminated), BYE to the transferor; the caller goes on to 9196', async () => {
    callee = await startCallee(sw, 'uas-answer-200-send-refer.xml', { extra: ['-key', 'refer_to', '9196'] });
    const before = cdrLines(sw).length;
    const r = await call(sw, 'uac-invite-auth-expect-200-send-bye.xml', '1000', ['-d', '2500']);
    expect(r.code, r.stdout + r.stderr + r.messages).toBe(0);
    // The caller never got a BYE: its call went on (to the echo) until it hung up itself.
    expect(received(r.messages).filter((l) => l.startsWith('BYE'))).toEqual([]);
    await waitUntil(() => /BYE sip:/.test(callee!.messages()), 5000, 'the BYE at the transferor');
    const side = await callee.stop();
    expect(side.errors).toBe('');
    const notifies = receivedText(side.messages, 'NOTIFY');
    expect(notifies).toHaveLength(2);
    expect(notifies[0]).toMatch(/^Event: refer;id=1$/m);
    expect(notifies[0]).toMatch(/^Content-Type: message\/sipfrag;version=2\.0$/m);
    expect(notifies[0]).toMatch(/^SIP\/2\.0 100 Trying$/m);
    expect(notifies[1]).toMatch(/^Subscription-State: terminated/m);
    expect(notifies[1]).toMatch(/^SIP\/2\.0 200 OK$/m);
    expect(receivedText(side.messages, 'BYE')[0]).toMatch(/^Reason: .*text="BLIND_TRANSFER"$/m);
    await waitIdle(sw);
    // Master.csv holds the caller's record: it ended at the number it was transferred to.
    const cdrs = cdrLines(sw).slice(before);
    expect(cdrs).toHaveLength(1);
    const caller = cdrs[0]!;
    expect(caller).toMatchObject({ callerIdNumber: '1001', destination: '9196', hangupCause: 'NORMAL_CLEARING' });
    expect(caller.billsec).toBeGreaterThanOrEqual(2);
  });

  for (const [what, dest] of [['886 (the last call that rang anywhere)', '886'], ['*8 (the last call in the call group)', '*8'], ['**1000 (the call ringing at 1000)', '**1000']] as const) {
    it(`pickup with ${what}: 1002 gets 1001's call, 1000 stops ringing with "Call completed elsewhere"`, async () => {
      callee = await startCallee(sw, 'uas-ring-180-expect-cancel.xml');
      const c = callee;
      // 1001 hears ringback (183), is answered by the pickup, and gets the BYE when 1002 hangs up.
      const calling = call(sw, 'uac-invite-auth-expect-200-recv-bye.xml', '1000');
      await waitUntil(() => /INVITE sip:1000@/.test(c.messages()), 5000, 'the INVITE at 1000');
      await new Promise((r) => setTimeout(r, 300));
      const picker = await callAs(sw, '1002', dest, 500);
      expect(picker.code, picker.messages).toBe(0);
      const r = await calling;
      expect(r.code, r.stdout + r.stderr + r.messages).toBe(0);
      await waitUntil(() => /ACK sip:/.test(c.messages()), 5000, "the ACK of 1000's 487");
      const side = await c.stop();
      expect(side.errors).toBe('');
      const cancel = receivedText(side.messages, 'CANCEL');
      expect(cancel).toHaveLength(1);
      expect(cancel[0]).toMatch(/^Reason: SIP;cause=200;text="Call completed elsewhere"$/m);
    });
  }

  it('pickup with nothing ringing: 404 at once, nothing else happens', async () => {
    const started = Date.now();
    const picker = await call(sw, 'uac-invite-auth-expect-404.xml', '**1005');
    expect(picker.code, picker.stdout + picker.messages).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('bad REFERs: none outside a dialog is accepted', async () => {
    const r = await sipp('uac-refer-outside-dialog.xml', `127.0.0.1:${sw.internalPort}`, []);
    expect(r.code, r.stdout + r.messages).toBe(0);
  });
});
