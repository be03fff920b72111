// Stateless OPTIONS throughput over UDP: SIPp sends OPTIONS at a fixed rate for a bounded
// number of requests; the highest rate with no failed request and no retransmission is the
// figure, with the switch's resident memory (VmRSS and its peak VmHWM) after the run. SIPp and
// the switch each get one of the machine's two cores.

import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCENARIOS, freePort, run, startSwitch } from '../test/interop/harness.js';
import { conditions, fmt, writeSection } from './results.js';

const SECONDS_PER_STEP = 5;
const RATES = [2_000, 5_000, 10_000, 15_000, 20_000, 25_000, 30_000];

function procStatus(pid: number): { rssKb: number; hwmKb: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { rssKb: get('VmRSS'), hwmKb: get('VmHWM') };
}

async function step(port: number, rate: number): Promise<{ ok: number; failed: number; retrans: number; achieved: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'opt-bench-'));
  const count = rate * SECONDS_PER_STEP;
  const local = await freePort();
  const args = [
    '-sf', join(SCENARIOS, 'uac-options-expect-200.xml'), `127.0.0.1:${port}`, '-s', 'bench',
    '-i', '127.0.0.1', '-p', String(local), '-r', String(rate), '-m', String(count), '-l', String(rate * 2),
    '-nostdin', '-timeout', `${SECONDS_PER_STEP * 3}s`, '-trace_stat', '-stf', join(dir, 'stats.csv'), '-fd', '1', '-buff_size', '4194304',
  ];
  const started = Date.now();
  await run('sipp', args, (SECONDS_PER_STEP * 3 + 10) * 1000, dir);
  const elapsed = (Date.now() - started) / 1000;
  const lines = readFileSync(join(dir, 'stats.csv'), 'utf8').trim().split('\n');
  const head = lines[0]!.split(';');
  const last = lines[lines.length - 1]!.split(';');
  const col = (name: string) => Number(last[head.indexOf(name)] ?? 0);
  rmSync(dir, { recursive: true, force: true });
  const ok = col('SuccessfulCall(C)');
  return { ok, failed: col('FailedCall(C)') + (count - ok - col('FailedCall(C)')), retrans: col('Retransmissions(C)'), achieved: ok / elapsed };
}

const sw = await startSwitch();
const pid = sw.process.pid!;
const before = procStatus(pid);
const rows: string[] = [];
let best = 0;
for (const rate of RATES) {
  const r = await step(sw.internalPort, rate);
  const clean = r.failed === 0 && r.retrans === 0;
  rows.push(`| ${fmt(rate)} | ${fmt(r.ok)} | ${r.failed} | ${r.retrans} | ${clean ? 'yes' : 'no'} |`);
  console.log(`rate ${rate}: ok ${r.ok} failed ${r.failed} retrans ${r.retrans}`);
  if (!clean) break;
  best = rate;
}
const after = procStatus(pid);
await sw.stop();

writeSection('options', `## Stateless OPTIONS over UDP (SIPp → switch)

${conditions()}. SIPp 3.6.1 sends OPTIONS at a fixed rate for ${SECONDS_PER_STEP} s per step
(bounded by count), one SIPp process on one core, the switch on the other. "Clean" = every
request answered 200 and no SIPp retransmission (no loss).

| target rate (req/s) | answered | failed | retransmissions | clean |
|---:|---:|---:|---:|:--:|
${rows.join('\n')}

Highest clean rate: **${fmt(best)} requests/s**. Switch memory: ${fmt(before.rssKb)} KiB RSS after start,
${fmt(after.rssKb)} KiB after the run, peak ${fmt(after.hwmKb)} KiB.`);
