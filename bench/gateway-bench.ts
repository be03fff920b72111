// Outbound calls per second through a gateway: SIPp as extension 1001 dials 9 + number on the
// internal profile (INVITE, 407, INVITE with digest), the switch routes it through the shipped
// outside route to the gateway, whose carrier — a second SIPp — challenges the INVITE with 401
// and checks the digest, then answers; the caller hangs up at once (BYE through both legs).
// Fixed rates, 5 s each, bounded by count; the highest rate with no failed call and no SIPp
// retransmission is the figure. Writes the `gateway` section of bench/RESULTS.md.
//
// The conf is a copy of the shipped one with the switch's own admission limit lifted
// (sessions-per-second 30 → 1000, max-sessions 1000 → 20000) and the outside route's limit off
// (default_provider_max_calls=-1): what is measured is the signalling path, not the guard rails.

import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN, SCENARIOS, freePort, run, startSwitch } from '../test/interop/harness.js';
import { TEST_PASSWORD, confCopy, startSipp } from '../test/interop/gateways/helpers.js';
import { conditions, fmt, writeSection } from './results.js';

const SECONDS_PER_STEP = 5;
const RATES = [25, 50, 100, 200, 300, 400, 500, 700, 1000];
const loadAtStart = loadavg()[0]!;

interface Step {
  rate: number;
  ok: number;
  failed: number;
  retrans: number;
  clean: boolean;
}

const carrier = await startSipp('uas-invite-401-expect-auth-200-bye.xml', { timeoutSec: 900, extra: ['-buff_size', '4194304'] });
const conf = confCopy({
  replaceExample: true,
  gateways: [{ name: 'bench', params: { username: 'joe', password: 's3cret', register: 'false', proxy: `127.0.0.1:${carrier.port}` } }],
});
const switchConf = join(conf.dir, 'autoload_configs/switch.conf.xml');
writeFileSync(
  switchConf,
  readFileSync(switchConf, 'utf8')
    .replace('<param name="sessions-per-second" value="30"/>', '<param name="sessions-per-second" value="1000"/>')
    .replace('<param name="max-sessions" value="1000"/>', '<param name="max-sessions" value="20000"/>'),
);
const sw = await startSwitch({
  confDir: conf.dir,
  vars: { default_password: TEST_PASSWORD, default_provider: 'bench', default_provider_max_calls: '-1', auth_fail_ban_count: '0' },
}).catch(async (err: unknown) => {
  await carrier.stop();
  conf.remove();
  throw err;
});

async function step(rate: number): Promise<Step> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-bench-'));
  const inf = join(dir, 'users.csv');
  writeFileSync(inf, 'SEQUENTIAL\n1001;\n');
  const count = rate * SECONDS_PER_STEP;
  const args = [
    '-sf', join(SCENARIOS, 'uac-invite-digest-expect-200-send-bye.xml'), `127.0.0.1:${sw.internalPort}`,
    '-s', '92125551234', '-au', '1001', '-ap', TEST_PASSWORD, '-inf', inf, '-d', '0',
    '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(await freePort()), '-mp', String(await freePort()),
    '-r', String(rate), '-m', String(count), '-l', String(rate * 4), '-nostdin', '-timeout', `${SECONDS_PER_STEP * 4}s`,
    '-trace_stat', '-stf', join(dir, 'stats.csv'), '-fd', '1', '-buff_size', '4194304',
  ];
  await run('sipp', args, (SECONDS_PER_STEP * 4 + 10) * 1000, dir);
  let ok = 0;
  let failed = count;
  let retrans = 0;
  try {
    const lines = readFileSync(join(dir, 'stats.csv'), 'utf8').trim().split('\n');
    const head = lines[0]!.split(';');
    const last = lines[lines.length - 1]!.split(';');
    const col = (name: string) => Number(last[head.indexOf(name)] ?? 0);
    ok = col('SuccessfulCall(C)');
    failed = count - ok;
    retrans = col('Retransmissions(C)');
  } catch {
    // no statistics: everything failed
  }
  rmSync(dir, { recursive: true, force: true });
  return { rate, ok, failed, retrans, clean: failed === 0 && retrans === 0 };
}

const rows: Step[] = [];
let best = 0;
let gatewayCounts = '';
try {
  for (const rate of RATES) {
    const r = await step(rate);
    rows.push(r);
    console.log(`gateway rate ${rate}: ok ${r.ok} failed ${r.failed} retrans ${r.retrans}`);
    if (!r.clean) break;
    best = rate;
    // Let the switch finish the last calls' BYEs before the next step.
    await new Promise((res) => setTimeout(res, 1000));
  }
  const out = await run(process.execPath, [MAIN, 'cli', '-P', String(sw.eslPort), '-x', 'sofia status gateway bench', '--no-color'], 15_000);
  gatewayCounts = /CallsOUT\t(\d+)[\s\S]*FailedCallsOUT\t(\d+)/.exec(out.stdout)?.slice(1).join('/') ?? '';
} finally {
  await sw.stop();
  await carrier.stop();
  conf.remove();
}

const [callsOut, failedOut] = gatewayCounts.split('/');
writeSection('gateway', `## Outbound calls through a gateway (SIPp extension → switch → SIPp carrier)

${conditions()}, 1-min load average ${loadAtStart.toFixed(1)} at start. SIPp 3.6.1 as extension 1001 runs
\`test/interop/scenarios/uac-invite-digest-expect-200-send-bye.xml\` (INVITE, 407, INVITE with digest,
180/200, ACK, BYE at once) dialling 9 + 10 digits; the shipped \`outside_domestic\` route (toll_allow
check, caller id, \`limit\` with no maximum) bridges it to \`sofia/gateway/bench/…\`, where a second SIPp runs
\`uas-invite-401-expect-auth-200-bye.xml\` (401, digest verified, 180, 200 with SDP, BYE). Per call: two
SIP dialogs, four INVITE transactions, two digest computations in the switch, two channels, one
CDR line. ${SECONDS_PER_STEP} s per step, bounded by count; the switch logs JSON at info (a few lines per call); its
sessions-per-second and max-sessions limits are lifted for the run. "Clean" = every call completed and
SIPp never retransmitted. Both SIPp processes and the switch share the machine's cores.

| target rate (calls/s) | completed | failed | retransmissions | clean |
|---:|---:|---:|---:|:--:|
${rows.map((r) => `| ${fmt(r.rate)} | ${fmt(r.ok)} | ${fmt(r.failed)} | ${fmt(r.retrans)} | ${r.clean ? 'yes' : 'no'} |`).join('\n')}

Highest clean rate: **${fmt(best)} outbound calls/s through one gateway**${best === RATES[RATES.length - 1] ? ' (the top of the ramp: the limit lies higher)' : ''}. The gateway counted
${callsOut ?? '?'} calls out, ${failedOut ?? '?'} failed (\`sofia status gateway bench\`). No FreeSWITCH runs
here to measure beside it.`);
