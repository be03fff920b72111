// Interop harness: start the real switch as a child process on free loopback ports (with
// --var overrides, never editing the shipped conf), and run real peers (SIPp, baresip) against
// it. A missing peer skips its tests locally and fails them when SOFTSWITCH_INTEROP_REQUIRED=1
// (set by .ci/run), so CI can never pass by skipping.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file holding package.json (the harness
 * also runs compiled, from dist/test/interop, for the benchmarks). */
export const ROOT = findRoot(fileURLToPath(new URL('.', import.meta.url)));

function findRoot(dir: string): string {
  let d = dir;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'conf'))) return d;
    d = join(d, '..');
  }
  throw new Error(`cannot find the repository root above ${dir}`);
}
export const MAIN = join(ROOT, 'dist/src/cli/main.js');
export const SCENARIOS = join(ROOT, 'test/interop/scenarios');
export const INTEROP_REQUIRED = process.env.SOFTSWITCH_INTEROP_REQUIRED === '1';

/** Whether a peer program is installed. Throws when it is missing and peers are required. */
export function peerAvailable(program: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).status === 0;
  if (!found && INTEROP_REQUIRED) throw new Error(`${program} is required for the interop suite (SOFTSWITCH_INTEROP_REQUIRED=1) but is not installed`);
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  return found;
}

/** A port free for both UDP and TCP on 127.0.0.1 (SIP profiles bind both). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const u = dgram.createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (udpFree && !taken.has(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port found');
}

/**
 * A base port for SIPp's media (-mp): SIPp binds it and the next three (RTCP, video RTP and
 * RTCP), so all four must be free, and none may be a port another process of the test uses.
 */
export async function freeMediaPort(): Promise<number> {
  const udpFree = (port: number) =>
    new Promise<boolean>((resolve) => {
      const u = dgram.createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = await freePort();
    if (base > 65532) continue;
    let ok = true;
    for (let k = 1; k <= 3 && ok; k++) ok = !taken.has(base + k) && (await udpFree(base + k));
    if (ok) {
      for (let k = 1; k <= 3; k++) taken.add(base + k);
      return base;
    }
  }
  throw new Error('no four free UDP ports in a row for SIPp media');
}
const taken = new Set<number>();

/** Switches still running when this process exits are killed, so none is left behind. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

export interface RunningSwitch {
  readonly internalPort: number;
  readonly externalPort: number;
  readonly eslPort: number;
  readonly dataDir: string;
  readonly process: ChildProcess;
  /** Every JSON log record so far. */
  readonly logs: Array<Record<string, unknown>>;
  /** stderr text so far. */
  stderr(): string;
  stop(): Promise<number | null>;
}

export interface StartOptions {
  vars?: Record<string, string>;
  confDir?: string;
  dataDir?: string;
  /** Prefix command, e.g. ['unshare', '-n'] (rarely needed: see torture tests). */
  logLevel?: string;
  timeoutMs?: number;
  /** Node.js options for the switch process (`--cpu-prof`, `--max-old-space-size=…`). */
  nodeArgs?: string[];
}

export async function startSwitch(opts: StartOptions = {}): Promise<RunningSwitch> {
  const internalPort = await freePort();
  const externalPort = await freePort();
  const eslPort = await freePort();
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'softswitch-test-'));
  const vars: Record<string, string> = {
    local_ip_v4: '127.0.0.1',
    internal_sip_port: String(internalPort),
    external_sip_port: String(externalPort),
    event_socket_port: String(eslPort),
    ...opts.vars,
  };
  const args = [MAIN, 'start', '--conf', opts.confDir ?? join(ROOT, 'conf'), '--data', dataDir, '--log-level', opts.logLevel ?? 'info'];
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}=${v}`);
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const logs: Array<Record<string, unknown>> = [];
  let err = '';
  let buffered = '';
  let readyResolve: (() => void) | undefined;
  const ready = new Promise<void>((r) => (readyResolve = r));
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        const rec = JSON.parse(line) as Record<string, unknown>;
        logs.push(rec);
        if (rec.msg === 'softswitch ready') readyResolve?.();
      } catch {
        // not a JSON line
      }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => (err += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    exited.then(() => 'exited' as const),
    new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref()),
  ]);
  if (outcome !== 'ready') {
    child.kill('SIGKILL');
    throw new Error(`switch did not start (${outcome}): ${err}\n${logs.slice(-5).map((l) => JSON.stringify(l)).join('\n')}`);
  }
  return {
    internalPort,
    externalPort,
    eslPort,
    dataDir,
    process: child,
    logs,
    stderr: () => err,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(t);
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a program to completion (bounded by timeoutMs, then killed). */
export function run(program: string, args: string[], timeoutMs = 30_000, cwd?: string): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Run a SIPp scenario from test/interop/scenarios against `target` (`127.0.0.1:port`).
 * SIPp exits 0 when every call succeeded. Its message trace is returned for assertions.
 */
export async function sipp(scenario: string, target: string, extra: string[] = [], timeoutSec = 15): Promise<ProcessResult & { messages: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-'));
  const localPort = await freePort();
  // SIPp binds its media port (6000 unless told) even when it sends no RTP: two SIPps at
  // once on 6000 would fail with 254, so each gets a free one.
  const media = extra.includes('-mp') ? [] : ['-mp', String(await freeMediaPort())];
  const args = [
    '-sf', join(SCENARIOS, scenario), target,
    '-i', '127.0.0.1', '-p', String(localPort), ...media, '-m', '1', '-nostdin', '-timeout', `${timeoutSec}s`,
    '-timeout_error', '-trace_msg', '-message_file', join(dir, 'messages.log'), '-trace_err', '-error_file', join(dir, 'errors.log'),
    ...extra,
  ];
  const res = await run('sipp', args, (timeoutSec + 5) * 1000, dir);
  let messages = '';
  try {
    messages = (await import('node:fs')).readFileSync(join(dir, 'messages.log'), 'utf8');
  } catch {
    // no trace written
  }
  rmSync(dir, { recursive: true, force: true });
  return { ...res, messages };
}
