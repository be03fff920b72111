// Blind transfers per second (issue 7). SIPp registered as 1000 answers every call and, half a
// second later, transfers the caller to 9196 with a REFER (uas-answer-200-send-refer.xml:
// 202, NOTIFY 100, NOTIFY 200, then the switch's BYE). SIPp as 1001 calls 1000 at stepped rates,
// a bounded count per step, and hangs up 2 s after its 200 — by then it talks to the echo. A
// transfer counts when the caller's call completed cleanly and the transferor saw the final
// NOTIFY; failures are reported per step. Target: no failure at 100 transfers/s. Writes the
// `transfers` section of bench/RESULTS.md.

import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCENARIOS, freePort, run, startSwitch } from '../test/interop/harness.js';
import { confCopy, count, startCallee, waitUntil } from '../test/interop/calls/helpers.js';
import { sippStats } from './sipp-stats.js';
import { conditions, writeSection } from './results.js';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const RATES = env('TRANSFER_BENCH_RATES', '50,100,200,300,400').split(',').map(Number);
const STEP_SECONDS = Number(env('TRANSFER_BENCH_STEP_SECONDS', '5'));
const HOLD_MS = 2000;
const PASSWORD = 'bench-5y7kq';
const WRITE = env('TRANSFER_BENCH_WRITE', '1') !== '0';
const loadAtStart = loadavg()[0]!;

interface Row {
  rate: number;
  attempted: number;
  callerOk: number;
  transfers: number;
  retrans: number;
}


const conf = confCopy({
  'autoload_configs/switch.conf.xml': (t) =>
    t.replace('name="max-sessions" value="1000"', 'name="max-sessions" value="20000"').replace('name="sessions-per-second" value="30"', 'name="sessions-per-second" value="5000"'),
});
const sw = await startSwitch({ confDir: conf.dir, vars: { auth_fail_ban_count: '0', default_password: PASSWORD }, logLevel: 'info' });
const rows: Row[] = [];
try {
  for (const rate of RATES) {
    const callee = await startCallee(sw, 'uas-answer-200-send-refer.xml', { password: PASSWORD, lifeSec: 600, extra: ['-key', 'refer_to', '9196'] });
    const dir = mkdtempSync(join(tmpdir(), 'transfer-bench-'));
    const total = rate * STEP_SECONDS;
    const timeoutSec = STEP_SECONDS + HOLD_MS / 1000 + 30;
    let callerOk = 0;
    let retrans = 0;
    try {
      await run('sipp', [
        '-sf', join(SCENARIOS, 'uac-invite-auth-expect-200-send-bye.xml'), `127.0.0.1:${sw.internalPort}`, '-s', '1000', '-d', String(HOLD_MS),
        '-au', '1001', '-ap', PASSWORD, '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(await freePort()), '-mp', String(await freePort()),
        '-r', String(rate), '-m', String(total), '-l', String(Math.ceil(rate * (HOLD_MS / 1000 + 3))),
        '-nostdin', '-timeout', `${timeoutSec}s`, '-trace_stat', '-stf', join(dir, 'stats.csv'), '-fd', '1',
      ], (timeoutSec + 10) * 1000, dir);
      const col = sippStats(join(dir, 'stats.csv'));
      callerOk = col('SuccessfulCall(C)');
      retrans = col('Retransmissions(C)');
    } catch (err) {
      console.error(String(err));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await waitUntil(async () => (await count(sw, 'channels')) === 0, 60_000, 'the switch to be idle');
    // Calls whose final NOTIFY reached the transferor (once each: SIPp traces retransmissions too).
    const confirmed = new Set<string>();
    for (const block of callee.messages().split(/^-{10,}.*$/m)) {
      if (!/^Subscription-State: terminated/m.test(block)) continue;
      const id = /^Call-ID:\s*(\S+)/im.exec(block)?.[1];
      if (id) confirmed.add(id);
    }
    const transfers = confirmed.size;
    await callee.stop();
    rows.push({ rate, attempted: total, callerOk, transfers, retrans });
    console.log(`${rate}/s: ${callerOk}/${total} callers completed, ${transfers} transfers confirmed, ${retrans} retransmissions`);
    if (callerOk < total || transfers < total) break;
  }
} finally {
  await sw.stop();
  conf.remove();
}

const clean = (r: Row) => r.callerOk === r.attempted && r.transfers === r.attempted;
const best = rows.filter(clean).reduce((m, r) => Math.max(m, r.rate), 0);
const section = `## Blind transfers (SIPp caller → switch → SIPp callee that REFERs the caller to 9196)

${conditions()}, 1-min load average ${loadAtStart.toFixed(1)} at start. Per call: the 407 digest
dance, Local_Extension's bridge to the registered SIPp (ringback generated, both legs with media
of ours), its 200, then 500 ms later a REFER from the callee: 202, NOTIFY 100 Trying, the caller
transferred through the dialplan to 9196 (echo), NOTIFY 200 OK, BYE to the callee; the caller hangs
up ${HOLD_MS / 1000} s after its 200. ${STEP_SECONDS} s per step, bounded by count; a step stops the ramp when anything failed.
Retransmissions (SIPp's, both ways) show where the switch starts answering late.

| rate (transfers/s) | calls | callers completed | transfers confirmed (final NOTIFY) | retransmissions |
|---:|---:|---:|---:|---:|
${rows.map((r) => `| ${r.rate} | ${r.attempted} | ${r.callerOk} | ${r.transfers} | ${r.retrans} |`).join('\n')}

Highest rate with no failure: **${best} transfers/s** (target: no failure at 100/s${best >= 100 ? ': met' : ': missed'}).`;
if (WRITE) writeSection('transfers', section);
else console.log(section);
