// Shared bits of the call interop tests: a SIPp callee registered as a directory user (the
// REGISTER scenario plus an out-of-call UAS scenario for the INVITEs it receives), the caller
// run, the CSV CDR lines, and the call counts the console reports. Every wait is bounded.
import { spawn } from 'node:child_process';
import esl, { type Connection } from 'modesl';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN, ROOT, SCENARIOS, freeMediaPort, freePort, run, sipp, type ProcessResult, type RunningSwitch } from '../harness.js';
import { cli, waitUntil } from '../registrar/helpers.js';

export { cli, waitUntil };

export const CALLEE_MAIN = 'uac-register-expect-401-200-then-pause.xml';

export interface Callee {
  readonly port: number;
  readonly user: string;
  /** The messages SIPp traced so far. */
  messages(): string;
  /** Errors SIPp reported so far (unexpected messages, aborted calls). */
  errors(): string;
  /** SIPp's own output so far (its screens, and why it stopped if it did). */
  output(): string;
  /** SIPp's exit status, or null while it runs. */
  exitCode(): number | null;
  /** Stop SIPp (it would otherwise pause for -d) and drop its registration from the switch. */
  stop(): Promise<{ messages: string; errors: string }>;
}

export interface CalleeOptions {
  user?: string;
  /** Extra SIPp arguments (`-t t1`, …). */
  extra?: string[];
  /** Drop the registration from the switch on stop (default true; off for other registrars). */
  flush?: boolean;
  /** The user's password (default PASSWORD). */
  password?: string;
  /** How long SIPp stays registered and answering before it exits by itself (default 120 s). */
  lifeSec?: number;
}

/**
 * SIPp registered as `user` (the 401 dance, then a long pause) answering every INVITE with the
 * UAS scenario `uas`. Resolves once the switch answered the REGISTER with 200.
 */
export async function startCallee(sw: RunningSwitch, uas: string, o: CalleeOptions = {}): Promise<Callee> {
  const user = o.user ?? '1000';
  const dir = mkdtempSync(join(tmpdir(), 'sipp-callee-'));
  const port = await freePort();
  const mediaPort = await freeMediaPort();
  const args = [
    '-sf', join(SCENARIOS, CALLEE_MAIN), '-oocsf', join(SCENARIOS, uas), `127.0.0.1:${sw.internalPort}`,
    '-s', user, '-au', user, '-ap', o.password ?? PASSWORD, '-key', 'expires', '3600',
    '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(port), '-mp', String(mediaPort),
    '-m', '1', '-d', String((o.lifeSec ?? 120) * 1000), '-nostdin', '-timeout', `${(o.lifeSec ?? 120) + 30}s`,
    '-trace_msg', '-message_file', join(dir, 'messages.log'), '-trace_err', '-error_file', join(dir, 'errors.log'),
    ...(o.extra ?? []),
  ];
  const child = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      return '';
    }
  };
  // SIPp notes each out-of-call INVITE in its error file; only the other lines are errors.
  const errors = () => read('errors.log').split('\n').filter((l) => l && !l.startsWith('The following events occurred') && !l.includes('using the out-of-call scenario')).join('\n');
  try {
    await waitUntil(() => /SIP\/2\.0 200 OK[\s\S]*CSeq: 2 REGISTER/.test(read('messages.log')) || child.exitCode !== null, 10_000, `the callee's registration (sipp: ${out})`);
    if (child.exitCode !== null) throw new Error(`the callee SIPp exited: ${out}\n${read('messages.log')}`);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let stopped: Promise<{ messages: string; errors: string }> | undefined;
  return {
    port,
    user,
    messages: () => read('messages.log'),
    errors,
    output: () => out,
    exitCode: () => child.exitCode ?? (child.signalCode ? -1 : null),
    stop() {
      stopped ??= (async () => {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        const result = { messages: read('messages.log'), errors: errors() };
        rmSync(dir, { recursive: true, force: true });
        if (o.flush !== false) await cli(sw, `sofia profile internal flush_inbound_reg ${user}@127.0.0.1`);
        return result;
      })();
      return stopped;
    },
  };
}

/** `softswitch cli -x <cmd>` when the command may fail: its exit status and output. */
export async function cliResult(sw: RunningSwitch, cmd: string): Promise<{ code: number | null; stdout: string }> {
  const r = await run(process.execPath, [MAIN, 'cli', '-P', String(sw.eslPort), '-x', cmd, '--no-color'], 15_000);
  return { code: r.code, stdout: r.stdout + r.stderr };
}

/** The password of every directory user in the shipped conf ($${default_password}). */
export const PASSWORD = '1234';

/** SIPp as caller 1001 (password 1234) dialling `destination` with one of the uac-invite-auth-* scenarios. */
export function call(sw: RunningSwitch, scenario: string, destination: string, extra: string[] = [], timeoutSec = 20): Promise<ProcessResult & { messages: string }> {
  return sipp(scenario, `127.0.0.1:${sw.internalPort}`, ['-s', destination, '-mi', '127.0.0.1', '-au', '1001', '-ap', PASSWORD, ...extra], timeoutSec);
}

/** The first line of each SIP message SIPp received, in order (`SIP/2.0 180 Ringing`, `BYE sip:…`). */
export function received(messages: string): string[] {
  const out: string[] = [];
  const re = /message received \[\d+\] bytes :\n\n([^\n]+)/g;
  for (let m = re.exec(messages); m; m = re.exec(messages)) out.push(m[1]!.trim());
  return out;
}

/** The first line of each message SIPp sent, in order. */
export function sent(messages: string): string[] {
  const out: string[] = [];
  const re = /message sent \(\d+ bytes\):\n\n([^\n]+)/g;
  for (let m = re.exec(messages); m; m = re.exec(messages)) out.push(m[1]!.trim());
  return out;
}

/** Status codes of the responses in a list of first lines. */
export function codes(lines: string[]): number[] {
  return lines.filter((l) => l.startsWith('SIP/2.0 ')).map((l) => Number(l.slice(8, 11)));
}

/** Fields of the vanilla `example` CSV template, by name. */
export interface CdrLine {
  callerIdName: string;
  callerIdNumber: string;
  destination: string;
  context: string;
  start: string;
  answer: string;
  end: string;
  duration: number;
  billsec: number;
  hangupCause: string;
  uuid: string;
  blegUuid: string;
}

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"]|"")*)"(?:,|$)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1]!.replace(/""/g, '"'));
  return out;
}

/** Every line of `<data>/log/cdr-csv/Master.csv` so far. */
export function cdrLines(sw: RunningSwitch): CdrLine[] {
  const file = join(sw.dataDir, 'log', 'cdr-csv', 'Master.csv');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => {
    const f = parseCsvLine(l);
    return {
      callerIdName: f[0]!, callerIdNumber: f[1]!, destination: f[2]!, context: f[3]!, start: f[4]!, answer: f[5]!, end: f[6]!,
      duration: Number(f[7]), billsec: Number(f[8]), hangupCause: f[9]!, uuid: f[10]!, blegUuid: f[11]!,
    };
  });
}

/** Wait for the CDR line of a call that ended after `before` lines were written. */
export async function nextCdr(sw: RunningSwitch, before: number): Promise<CdrLine> {
  await waitUntil(() => cdrLines(sw).length > before, 10_000, 'the CDR line');
  return cdrLines(sw)[before]!;
}

/** `show calls count` / `show channels count` as numbers. */
export async function count(sw: RunningSwitch, what: 'calls' | 'channels'): Promise<number> {
  const out = await cli(sw, `show ${what} count`);
  const m = /^\n(\d+) total\.\n$/.exec(out);
  if (!m) throw new Error(`unexpected show ${what} count output: ${JSON.stringify(out)}`);
  return Number(m[1]);
}

/** Wait until the switch has no call and no channel left. */
export async function waitIdle(sw: RunningSwitch, ms = 10_000): Promise<void> {
  await waitUntil(async () => (await count(sw, 'channels')) === 0 && (await count(sw, 'calls')) === 0, ms, 'no channel left');
}

/**
 * A copy of the shipped conf/ in a temp folder, with `edit(relativePath, text) → text` applied
 * to the files named (the shipped conf is never edited).
 */
export function confCopy(edits: Record<string, (text: string) => string>): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'softswitch-conf-'));
  cpSync(join(ROOT, 'conf'), dir, { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    const path = join(dir, file);
    const before = readFileSync(path, 'utf8');
    const after = edit(before);
    if (after === before) throw new Error(`the edit of ${file} changed nothing`);
    writeFileSync(path, after);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A modesl client authenticated to the switch's event socket (password ClueCon). */
export function connectModesl(port: number): Promise<Connection> {
  return new Promise<Connection>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('modesl did not connect')), 5000);
    const conn = new esl.Connection('127.0.0.1', port, 'ClueCon');
    conn.once('esl::ready', () => {
      clearTimeout(t);
      resolve(conn);
    });
    conn.once('error', (err: Error) => {
      clearTimeout(t);
      reject(err);
    });
  });
}
