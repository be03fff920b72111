// Calls through the switch, SIPp to SIPp (issue 5), on a copy of the shipped conf whose only
// edits raise max-sessions and sessions-per-second (the shipped 1,000 and 30 are an office's
// limits, not the switch's):
// (a) calls per second — SIPp registered as 1000 answers (uas-answer-200-expect-bye.xml), SIPp
//     as 1001 calls it with the 407 digest dance, holds 2 s and hangs up
//     (uac-invite-auth-expect-200-send-bye.xml), at stepped rates for a bounded count each; the
//     highest rate with at most 0.1 % failed calls, and the switch's CPU at each step.
// (b) 10,000 calls held at once (the same scenarios with a long hold, ramped up under a -l
//     limit): the switch's VmRSS idle and with every call up, hence KiB per call.
// Kamailio (a SIP proxy: digest auth, registrar, stateful relay) runs (a) the same way when it
// is installed; FreeSWITCH is measured when a `freeswitch` binary is on the PATH (Debian 12 has
// no package). Writes the `calls` section of bench/RESULTS.md.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCENARIOS, freePort, run, startSwitch, type RunningSwitch } from '../test/interop/harness.js';
import { cli, confCopy, count, startCallee, waitUntil, type Callee } from '../test/interop/calls/helpers.js';
import { sippStats } from './sipp-stats.js';
import { conditions, fmt, writeSection } from './results.js';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const RATES = env('CALL_BENCH_RATES', '100,200,250,300,350,400,450,500,600,800,1000').split(',').map(Number);
const PEER_RATES = env('CALL_BENCH_PEER_RATES', '200,400,600,800,1000,1200,1500,2000').split(',').map(Number);
const STEP_SECONDS = Number(env('CALL_BENCH_STEP_SECONDS', '10'));
const HOLD_MS = 2000;
const MAX_FAILED_RATIO = 0.001;
const HELD_CALLS = Number(env('CALL_BENCH_HELD', '10000'));
const HELD_RAMP_CPS = Number(env('CALL_BENCH_HELD_CPS', '250'));
const HELD_HOLD_MS = 600_000;
const SETTLE_MS = Number(env('CALL_BENCH_SETTLE_MS', '40000'));
const LOG_LEVEL = env('CALL_BENCH_LOG_LEVEL', 'info');
/**
 * The users' password, changed from the shipped 1234 as every install must: with 1234 the
 * default dialplan logs four CRIT lines per call (and FreeSWITCH sleeps 10 s per call).
 */
const BENCH_PASSWORD = env('CALL_BENCH_PASSWORD', 'bench-5y7kq');
/** `CALL_BENCH_PROFILE=<dir>` runs the switch with --cpu-prof (the profile lands there on stop). */
const PROFILE_DIR = process.env.CALL_BENCH_PROFILE;
/** `CALL_BENCH_WRITE=0` prints the figures without writing RESULTS.md (trial runs). */
const WRITE = env('CALL_BENCH_WRITE', '1') !== '0';
const SKIP_PEERS = env('CALL_BENCH_PEERS', '1') === '0';
const SKIP_OURS = env('CALL_BENCH_OURS', '1') === '0';
const loadAtStart = loadavg()[0]!;

interface Step {
  rate: number;
  attempted: number;
  ok: number;
  failed: number;
  retrans: number;
  achievedCps: number;
  cpuPct: number;
  good: boolean;
}

function procStatus(pid: number): { rssKb: number; hwmKb: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { rssKb: get('VmRSS'), hwmKb: get('VmHWM') };
}

/** utime + stime in clock ticks (100 per second). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}


/** One SIPp caller run: `count` calls at `rate`, each held `holdMs`. */
async function callerRun(port: number, rate: number, count: number, holdMs: number, pid: number | undefined): Promise<Step> {
  const dir = mkdtempSync(join(tmpdir(), 'call-bench-'));
  const local = await freePort();
  const limit = Math.max(100, Math.ceil(rate * (holdMs / 1000 + 3)));
  const timeoutSec = Math.ceil(count / rate + holdMs / 1000 + 30);
  const args = [
    '-sf', join(SCENARIOS, 'uac-invite-auth-expect-200-send-bye.xml'), `127.0.0.1:${port}`, '-s', '1000', '-d', String(holdMs), '-au', '1001', '-ap', BENCH_PASSWORD,
    '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(local), '-r', String(rate), '-m', String(count), '-l', String(limit),
    '-nostdin', '-timeout', `${timeoutSec}s`, '-trace_stat', '-stf', join(dir, 'stats.csv'), '-fd', '1', '-buff_size', '8388608',
  ];
  const t0 = pid ? cpuTicks(pid) : 0;
  const started = performance.now();
  // The switch's CPU over the offered load (calls started over count/rate s, each held holdMs),
  // not over a failing step's tail of timeouts.
  const windowSec = count / rate + holdMs / 1000;
  let windowTicks: number | undefined;
  const sample = setTimeout(() => {
    try {
      if (pid) windowTicks = cpuTicks(pid) - t0;
    } catch {
      // the process is gone
    }
  }, windowSec * 1000);
  const res = await run('sipp', args, (timeoutSec + 10) * 1000, dir);
  clearTimeout(sample);
  const elapsed = (performance.now() - started) / 1000;
  const ticks = windowTicks ?? (pid ? cpuTicks(pid) - t0 : 0);
  const cpuSec = windowTicks !== undefined ? windowSec : elapsed;
  let ok = 0;
  let retrans = 0;
  try {
    const col = sippStats(join(dir, 'stats.csv'));
    ok = col('SuccessfulCall(C)');
    retrans = col('Retransmissions(C)');
  } catch {
    // no statistics: every call counts as failed
  }
  rmSync(dir, { recursive: true, force: true });
  if (ok === 0) console.error(`no call completed at ${rate} calls/s; SIPp said: ${(res.stdout + res.stderr).slice(-1500)}`);
  const failed = count - ok;
  // Calls are started over count/rate seconds and each lasts holdMs: the rate SIPp kept up is
  // the calls completed over the time it had to start them.
  const startWindow = Math.max(elapsed - holdMs / 1000, 0.001);
  return {
    rate, attempted: count, ok, failed, retrans, achievedCps: ok / startWindow,
    cpuPct: (ticks / 100 / cpuSec) * 100, good: failed <= count * MAX_FAILED_RATIO,
  };
}

async function ramp(port: number, label: string, pid: number | undefined, idle: () => Promise<void>, rates = RATES): Promise<{ rows: Step[]; best: number }> {
  const rows: Step[] = [];
  let best = 0;
  for (const rate of rates) {
    const r = await callerRun(port, rate, rate * STEP_SECONDS, HOLD_MS, pid);
    rows.push(r);
    console.log(`${label} ${rate} cps: ok ${r.ok}/${r.attempted} retrans ${r.retrans} cpu ${r.cpuPct.toFixed(0)}%`);
    await idle();
    if (!r.good) break;
    best = rate;
  }
  return { rows, best };
}

// ---- the switch -------------------------------------------------------------------------------
const conf = confCopy({
  'autoload_configs/switch.conf.xml': (t) =>
    t.replace('name="max-sessions" value="1000"', 'name="max-sessions" value="40000"').replace('name="sessions-per-second" value="30"', 'name="sessions-per-second" value="20000"'),
});
async function withSwitch<T>(fn: (sw: RunningSwitch, pid: number) => Promise<T>): Promise<T> {
  const sw: RunningSwitch = await startSwitch({
    confDir: conf.dir, vars: { auth_fail_ban_count: '0', default_password: BENCH_PASSWORD }, logLevel: LOG_LEVEL,
    nodeArgs: PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [],
  });
  try {
    return await fn(sw, sw.process.pid!);
  } finally {
    await sw.stop();
  }
}

const idleSwitch = (sw: RunningSwitch) => waitUntil(async () => (await count(sw, 'channels')) === 0, 120_000, 'the switch to be idle');

// (a) calls per second, on a fresh switch.
const noSteps = { rows: [] as Step[], best: 0 };
const noHeld = { calls: 0, channels: 0, rampSec: 0, before: { rssKb: 0, hwmKb: 0 }, at: { rssKb: 0, hwmKb: 0 }, after: { rssKb: 0, hwmKb: 0 } };
const cps = SKIP_OURS ? noSteps : await withSwitch(async (sw, pid) => {
  const callee = await startCallee(sw, 'uas-answer-200-expect-bye.xml', { password: BENCH_PASSWORD, lifeSec: 3600 });
  try {
    return await ramp(sw.internalPort, 'softswitch', pid, () => idleSwitch(sw));
  } finally {
    await callee.stop().catch(() => {});
  }
});

// (b) calls held at once, on another fresh switch (the memory (a) left behind does not blur the
// baseline).
const held = SKIP_OURS ? noHeld : await withSwitch(async (sw, pid) => {
  const callee = await startCallee(sw, 'uas-answer-200-expect-bye.xml', { password: BENCH_PASSWORD, lifeSec: 3600 });
  const dir = mkdtempSync(join(tmpdir(), 'call-bench-held-'));
  let caller: ChildProcess | undefined;
  try {
    await new Promise((r) => setTimeout(r, 2000));
    const before = procStatus(pid);
    const local = await freePort();
    caller = spawn('sipp', [
      '-sf', join(SCENARIOS, 'uac-invite-auth-expect-200-send-bye.xml'), `127.0.0.1:${sw.internalPort}`, '-s', '1000', '-d', String(HELD_HOLD_MS),
      '-au', '1001', '-ap', BENCH_PASSWORD,
      '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(local), '-r', String(HELD_RAMP_CPS), '-m', String(HELD_CALLS), '-l', String(HELD_CALLS),
      '-nostdin', '-timeout', `${Math.ceil(HELD_HOLD_MS / 1000)}s`, '-fd', '1', '-buff_size', '8388608',
    ], { stdio: 'ignore', cwd: dir });
    let calls = 0;
    const t0 = performance.now();
    try {
      await waitUntil(async () => {
        calls = await count(sw, 'calls');
        return calls >= HELD_CALLS;
      }, (HELD_CALLS / HELD_RAMP_CPS + 120) * 1000, `${HELD_CALLS} calls up`);
    } catch (err) {
      console.error(String(err));
    }
    const rampSec = (performance.now() - t0) / 1000;
    // The INVITE transactions of the ramp end: a 2xx keeps its server and client transaction
    // in RFC 6026's Accepted state for Timer L/M, 64·T1 = 32 s, after the ACK.
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const at = procStatus(pid);
    const channels = await count(sw, 'channels');
    calls = await count(sw, 'calls');
    console.log(`held ${calls} calls (${channels} channels): RSS ${before.rssKb} → ${at.rssKb} KiB`);
    await cli(sw, 'hupall NORMAL_CLEARING');
    await idleSwitch(sw);
    const after = procStatus(pid);
    return { calls, channels, rampSec, before, at, after };
  } finally {
    caller?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    await callee.stop().catch(() => {});
  }
});
const ours = { cps, held };

// ---- Kamailio, when installed -------------------------------------------------------------
const KAMAILIO_CFG = (port: number) => `#!KAMAILIO
debug=1
log_stderror=yes
children=1
tcp_children=1
disable_tcp=yes
listen=udp:127.0.0.1:${port}
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
modparam("usrloc", "db_mode", 0)
modparam("auth", "nonce_expire", 60)
request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (has_totag()) {
    # In-dialog (no Record-Route was added; SIPp sends its ACK and BYE here anyway): forward
    # to the Request-URI, the ACK of a 2xx statelessly.
    if (is_method("ACK")) { forward(); exit; }
    t_relay();
    exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) t_relay(); exit; }
  if (is_method("REGISTER")) {
    if (!pv_www_authenticate("$td", "${BENCH_PASSWORD}", "0")) { www_challenge("$td", "1"); exit; }
    save("location");
    exit;
  }
  if (is_method("INVITE")) {
    if (!pv_proxy_authenticate("$fd", "${BENCH_PASSWORD}", "0")) { proxy_challenge("$fd", "1"); exit; }
    consume_credentials();
    if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
    t_relay();
    exit;
  }
  sl_send_reply("405", "Method Not Allowed");
}
`;

interface PeerResult {
  name: string;
  version: string;
  rows?: Step[];
  best?: number;
  note?: string;
}

async function kamailio(): Promise<PeerResult> {
  const which = spawnSync('sh', ['-c', 'command -v kamailio'], { encoding: 'utf8' });
  if (which.status !== 0) return { name: 'Kamailio', version: '', note: 'Kamailio is not installed here (`apt-get install kamailio`).' };
  const version = (spawnSync('kamailio', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? 'kamailio').replace(/^version:\s*/, '').trim();
  const dir = mkdtempSync(join(tmpdir(), 'kamailio-calls-'));
  const port = await freePort();
  const cfg = join(dir, 'kamailio.cfg');
  writeFileSync(cfg, KAMAILIO_CFG(port));
  const child = spawn('kamailio', ['-f', cfg, '-DD', '-E', '-m', '256', '-M', '32', '-P', join(dir, 'kamailio.pid'), '-Y', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c) => (err += c));
  // The callee registers to Kamailio as it does to the switch.
  const fake = { internalPort: port, eslPort: 0, dataDir: dir } as unknown as RunningSwitch;
  let callee: Callee | undefined;
  try {
    await new Promise((r) => setTimeout(r, 1500));
    if (child.exitCode !== null) return { name: 'Kamailio', version, note: `Kamailio did not start: ${err.split('\n').slice(-3).join(' ')}` };
    callee = await startCallee(fake, 'uas-answer-200-expect-bye.xml', { flush: false, password: BENCH_PASSWORD, lifeSec: 3600 });
    const probe = await callerRun(port, 10, 10, 200, undefined);
    if (probe.ok < 10) return { name: 'Kamailio', version, note: `Kamailio did not complete SIPp's calls with this configuration (${probe.ok}/10): ${err.split('\n').slice(-3).join(' ')}` };
    // Kamailio forks: its CPU is the sum of its processes, read from ps at the end of each step.
    const r = await ramp(port, 'kamailio', undefined, async () => {
      await new Promise((res) => setTimeout(res, 3000));
    }, PEER_RATES);
    return { name: 'Kamailio', version, ...r };
  } finally {
    await callee?.stop().catch(() => {});
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
const kam: PeerResult = SKIP_PEERS ? { name: 'Kamailio', version: '', note: 'not run (CALL_BENCH_PEERS=0)' } : await kamailio();
const fsNote = spawnSync('sh', ['-c', 'command -v freeswitch'], { encoding: 'utf8' }).status === 0
  ? 'A `freeswitch` binary is installed but this script does not drive it yet.'
  : 'FreeSWITCH is not measured: Debian 12 ships no `freeswitch` package, and building it (or adding SignalWire\'s repository, which needs an account token) is not quick here.';
conf.remove();

// ---- results ----------------------------------------------------------------------------------
const table = (rows: Step[], cpu: boolean) =>
  rows
    .map((r) => `| ${fmt(r.rate)} | ${fmt(r.attempted)} | ${fmt(r.ok)} | ${fmt(r.failed)} (${((r.failed / r.attempted) * 100).toFixed(2)} %) | ${fmt(r.retrans)} | ${fmt(r.achievedCps)} |${cpu ? ` ${r.cpuPct.toFixed(0)} % |` : ''} ${r.good ? 'yes' : 'no'} |`)
    .join('\n');
const head = (cpu: boolean) =>
  `| target (calls/s) | calls | completed | failed | retransmissions | completed per s |${cpu ? ' switch CPU |' : ''} ≤ 0.1 % failed |\n|---:|---:|---:|---:|---:|---:|${cpu ? '---:|' : ''}:--:|`;
const h = ours.held;
const perCallKb = h.calls > 0 ? (h.at.rssKb - h.before.rssKb) / h.calls : NaN;
const kamText = kam.rows
  ? `### ${kam.name} (${kam.version}) on the same machine, same SIPp scenarios

A stateful proxy, not a B2BUA: \`pv_proxy_authenticate\` with a fixed password, \`lookup("location")\`,
\`t_relay()\`, usrloc in memory, one UDP worker (\`children=1\`), no Record-Route (ACK and BYE go
end to end). It keeps one transaction per request and no dialog, so it does less per call than
the switch (two dialogs, two channels, dialplan, CDR).

${head(false)}
${table(kam.rows, false)}

Highest rate with ≤ 0.1 % failed calls: **${fmt(kam.best ?? 0)} calls/s**.`
  : `### ${kam.name}

${kam.note}`;

const section = `## Calls through the switch (SIPp UAC → switch → SIPp UAS)

${conditions()}, 1-min load average ${loadAtStart.toFixed(1)} at start. One SIPp (3.6.1) registered as 1000
answers every INVITE (\`uas-answer-200-expect-bye.xml\`: 180, 200 with SDP); another calls 1000 as
1001 (\`uac-invite-auth-expect-200-send-bye.xml\`: INVITE, 407, ACK, INVITE with an MD5 digest, 100,
180, 200, ACK, ${HOLD_MS / 1000} s of call, BYE, 200). Per call the switch authenticates the caller, routes it
through the shipped default dialplan (\`Local_Extension\`: hash inserts, bind_meta_app,
\`bridge user/1000@…\` resolved through \`\${sofia_contact()}\` from the SQLite location store),
originates and bridges the B-leg, passes SDP through (bypass media: no RTP through the switch),
and writes a CDR (CSV line and JSON document, each fsynced, and its SQLite index row). The users'
password is changed with \`--var default_password=…\`, as every install must (with the shipped 1234
the default dialplan logs four CRIT lines per call, flushed synchronously). Logs at
\`${LOG_LEVEL}\` (the shipped level is info), to a pipe read by the bench. The conf is a copy with max-sessions
40,000 and sessions-per-second 20,000; nothing else changed. The three processes share the
machine's 2 cores. Each step offers ${STEP_SECONDS} s of calls (bounded by count); "switch CPU" is the
switch process's user+system time while the step's calls run (${STEP_SECONDS} s + the ${HOLD_MS / 1000} s hold; 100 % = one core;
the main thread's share of it is what saturates).

### (a) Calls per second, 2-second calls

${head(true)}
${table(ours.cps.rows, true)}

Highest rate with ≤ 0.1 % failed calls: **${fmt(ours.cps.best)} calls/s** (target ≥ 1,000: missed). The steps
near the limit pass or fail from one run to the next (the machine's two cores are shared by the
switch, both SIPp processes and the kernel's loopback work); earlier runs on the same code
reached 350–400.

Where the time goes (\`CALL_BENCH_PROFILE=<dir>\` runs the switch with \`--cpu-prof\`; shares of the main
thread's busy time at 300–350 calls/s, 2026-12-01): CDRs 23–25 % (the JSON document built and
written with fsync + rename + directory fsync per leg, the CSV line, and the SQLite index row that
holds the pending work — each leg's JSON text, ~8 KB — until the files are on disk); the call core
and SIP endpoint 15 % (channels, ~170 variables per call, events, originate, bridge); the SIP stack
14 % (parsing, transactions, serialising); sends and timers in Node itself 11–16 % (one \`send\`
syscall per datagram, ~12 per call); garbage collection ~10 %; the dialplan 6–8 % (the vanilla
default context evaluates a dozen time-of-day and holiday conditions and ~25 applications per
call); digest authentication 5–7 % (nonce HMACs, MD5); libuv's threads add the fsyncs and file
I/O on top. Already cut while profiling: a \`DateTimeFormat\` built per time condition (11 % of the
main thread), CRIT log lines flushed synchronously (the shipped password warning, 6 %), CDR index
writes one transaction each (now one per turn of the event loop, and a pending row's rewrite
skipped when it is marked stored in the same batch), SQL statements prepared per call, a
directory created and fsynced per CDR file (now cached / group-committed), an AbortController and
a DOMException per application run and hangup. Left: the CDR pipeline is the next order of
magnitude (a pending row without the JSON text, batched JSON files or one append-only journal);
then fewer allocations per call (variables, parsed headers) for the GC.

### (b) Calls held at once

A fresh switch; the same scenarios with the calls held ${HELD_HOLD_MS / 1000} s, started at ${HELD_RAMP_CPS} calls/s under a
limit of ${fmt(HELD_CALLS)} (SIPp \`-l\`), all up after ${h.rampSec.toFixed(0)} s; VmRSS read from /proc ${SETTLE_MS / 1000} s after the last
call came up (the INVITE transactions of a 2xx live 32 s after it, RFC 6026 Timer L/M, so the
figure is the calls' own, not the ramp's), then \`hupall\`.

| | calls | channels | VmRSS |
|---|---:|---:|---:|
| idle, callee registered | 0 | 0 | ${fmt(h.before.rssKb)} KiB |
| all calls up | ${fmt(h.calls)} | ${fmt(h.channels)} | ${fmt(h.at.rssKb)} KiB |
| after hupall | 0 | 0 | ${fmt(h.after.rssKb)} KiB |

**${Number.isFinite(perCallKb) ? perCallKb.toFixed(1) : '—'} KiB of RSS per held call** (two channels, two SIP dialogs; target ≤ 50 KiB${Number.isFinite(perCallKb) && perCallKb <= 50 ? ': met' : ': missed'}).
Peak VmHWM ${fmt(h.after.hwmKb)} KiB.

RSS counts garbage V8 has not collected yet: a heap snapshot with 2,000 calls held (2026-12-01,
\`--heapsnapshot-signal\`) showed about 38 KB of live JS heap per call — mostly the ~170 channel
variables of the two legs (Map tables alone 11 MB of 91 MB), the parsed INVITEs each leg keeps, and
the suspended async frames of the dialplan and bridge. Terminated transactions now drop the bytes
they kept for retransmission (a leg holds its INVITE transaction for the whole call; those buffers
pinned 8 KiB pool slabs: −4.4 KB per call). \`hupall\` of all ${fmt(h.calls)} calls at once drives RSS to the
peak above: 2 × ${fmt(h.calls)} CDRs built and in flight together (each leg's JSON text held twice until
its files are fsynced). A CDR writer with a bound on records in flight would flatten that peak.

${kamText}

### FreeSWITCH

${fsNote}`;
if (WRITE) writeSection('calls', section);
else console.log(section);
