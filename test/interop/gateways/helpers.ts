// Shared bits of the gateway interop tests: a copy of the shipped conf/ with test gateways and
// routes added (the shipped tree is never written), SIPp peers run in the background on known
// ports (carriers, registrars, a registered extension), message-trace readers, and bounded waits.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN, ROOT, SCENARIOS, freeMediaPort, freePort, run, type RunningSwitch } from '../harness.js';

/** The password every extension gets in these tests (not 1234: the toll-fraud guard would refuse every gateway call). */
export const TEST_PASSWORD = 'gw-test-pass';

export interface GatewaySpec {
  name: string;
  params: Record<string, string>;
  variables?: Array<{ name: string; value: string; direction?: 'inbound' | 'outbound' }>;
}

export interface ConfCopy {
  dir: string;
  remove(): void;
  /** Write (or replace) a gateway file in sip_profiles/external/. */
  writeGateway(gw: GatewaySpec): void;
}

/**
 * The shipped conf/ copied to a temp folder, with: the external profile's SIP timer T1 set to
 * `t1Ms` (so that Timer B/F, 64×T1, ends a silent carrier's transaction quickly), gateway files,
 * extra default-context routes in dialplan/default/ (`routes`, extension XML), and users whose
 * toll_allow is changed (`tollAllow`). With `replaceExample` the shipped example gateway is left
 * out, so that a test gateway can be the default provider (`--var default_provider=<its name>`).
 */
export function confCopy(opts: { gateways?: GatewaySpec[]; routes?: string; tollAllow?: Record<string, string>; t1Ms?: number; replaceExample?: boolean } = {}): ConfCopy {
  const dir = mkdtempSync(join(tmpdir(), 'softswitch-gw-conf-'));
  cpSync(join(ROOT, 'conf'), dir, { recursive: true });
  if (opts.replaceExample) unlinkSync(join(dir, 'sip_profiles/external/example.xml'));
  const ext = join(dir, 'sip_profiles/external.xml');
  writeFileSync(ext, readFileSync(ext, 'utf8').replace('<param name="timer-t1" value="500"/>', `<param name="timer-t1" value="${opts.t1Ms ?? 500}"/>`));
  const writeGateway = (gw: GatewaySpec) => {
    const params = Object.entries(gw.params).map(([k, v]) => `    <param name="${k}" value="${v}"/>`).join('\n');
    const vars = gw.variables?.length
      ? `    <variables>\n${gw.variables.map((v) => `      <variable name="${v.name}" value="${v.value}"${v.direction ? ` direction="${v.direction}"` : ''}/>`).join('\n')}\n    </variables>\n`
      : '';
    writeFileSync(join(dir, `sip_profiles/external/test-${gw.name}.xml`), `<include>\n  <gateway name="${gw.name}">\n${params}\n${vars}  </gateway>\n</include>\n`);
  };
  for (const gw of opts.gateways ?? []) writeGateway(gw);
  if (opts.routes) writeFileSync(join(dir, 'dialplan/default/00_test_routes.xml'), `<include>\n${opts.routes}\n</include>\n`);
  for (const [user, toll] of Object.entries(opts.tollAllow ?? {})) {
    const f = join(dir, `directory/default/${user}.xml`);
    writeFileSync(f, readFileSync(f, 'utf8').replace(/name="toll_allow" value="[^"]*"/, `name="toll_allow" value="${toll}"`));
  }
  return { dir, writeGateway, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `softswitch cli -x <cmd>`; returns stdout (an `-ERR` reply makes the console exit 1: `allowErr`). */
export async function cli(sw: RunningSwitch, cmd: string, allowErr = false): Promise<string> {
  const r = await run(process.execPath, [MAIN, 'cli', '-P', String(sw.eslPort), '-x', cmd, '--no-color'], 15_000);
  if (r.code !== 0 && !(allowErr && r.stdout.startsWith('-ERR'))) throw new Error(`cli -x ${cmd} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export async function waitUntil(cond: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface SippPeer {
  readonly port: number;
  readonly process: ChildProcess;
  /** The message trace so far. */
  messages(): string;
  /** Output and the error file so far. */
  output(): string;
  /** Resolves with SIPp's exit code (bounded by `ms`, then it is killed). */
  exit(ms?: number): Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * SIPp running `scenario` in the background on `port` (a free one by default): a UAS when no
 * `target` is given (`-sf` only), else a UAC towards `target`. `extra` adds arguments.
 */
export async function startSipp(scenario: string, o: { port?: number; target?: string; extra?: string[]; timeoutSec?: number } = {}): Promise<SippPeer> {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-gw-'));
  const port = o.port ?? (await freePort());
  const mediaPort = await freeMediaPort();
  const args = [
    '-sf', join(SCENARIOS, scenario), ...(o.target ? [o.target] : []),
    '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(port), '-mp', String(mediaPort), '-nostdin',
    '-timeout', `${o.timeoutSec ?? 60}s`, '-trace_msg', '-message_file', join(dir, 'messages.log'), '-trace_err', '-error_file', join(dir, 'errors.log'),
    ...(o.extra ?? []),
  ];
  const child = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      return '';
    }
  };
  let stopped = false;
  return {
    port,
    process: child,
    messages: () => read('messages.log'),
    output: () => `${out}\n${read('errors.log')}`,
    async exit(ms = 30_000) {
      const t = setTimeout(() => child.kill('SIGKILL'), ms);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A caller extension: `uac-invite-auth-expect-200-or-error.xml` as `user` dialling `dest`. */
export async function dial(sw: RunningSwitch, user: string, dest: string, o: { holdMs?: number; calls?: number; extra?: string[]; password?: string } = {}): Promise<SippPeer> {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-inf-'));
  const inf = join(dir, 'users.csv');
  writeFileSync(inf, `SEQUENTIAL\n${user};\n`);
  const calls = o.calls ?? 1;
  const peer = await startSipp('uac-invite-auth-expect-200-or-error.xml', {
    target: `127.0.0.1:${sw.internalPort}`,
    extra: ['-s', dest, '-au', user, '-ap', o.password ?? TEST_PASSWORD, '-inf', inf, '-m', String(calls), '-l', String(calls), '-r', String(calls), '-d', String(o.holdMs ?? 500), ...(o.extra ?? [])],
  });
  const stop = peer.stop.bind(peer);
  return { ...peer, stop: async () => { await stop(); rmSync(dir, { recursive: true, force: true }); } };
}

/** First lines of the messages SIPp received (`SIP/2.0 403 Forbidden`, `INVITE sip:…`). */
export function received(messages: string): string[] {
  const out: string[] = [];
  const re = /message received \[\d+\] bytes :\n\n([^\n]+)/g;
  for (let m = re.exec(messages); m; m = re.exec(messages)) out.push(m[1]!.trim());
  return out;
}

/** The whole text of each message SIPp received whose first line starts with `start`. */
export function receivedMessages(messages: string, start: string): string[] {
  const out: string[] = [];
  const re = /message received \[\d+\] bytes :\n\n([\s\S]*?)(?=\n-{10,}|\n\n-{3,}|$)/g;
  for (let m = re.exec(messages); m; m = re.exec(messages)) if (m[1]!.startsWith(start)) out.push(m[1]!.replace(/\r/g, ''));
  return out;
}

/** A header's value in one message text (first occurrence, case-insensitive name). */
export function header(message: string, name: string): string | undefined {
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(message);
  return m?.[1]?.trim();
}

/** Final status codes SIPp received for its INVITEs (CSeq INVITE, >= 200). */
export function inviteFinals(messages: string): number[] {
  return receivedMessages(messages, 'SIP/2.0 ')
    .filter((m) => /^CSeq:\s*\d+ INVITE/im.test(m))
    .map((m) => Number(m.slice(8, 11)))
    .filter((s) => s >= 200 && s !== 407);
}

/**
 * SIPp registered to the internal profile as `user` (the 401 dance, then a pause) answering each
 * INVITE it gets with uas-answer-200-expect-bye.xml. Resolves once the REGISTER got its 200.
 */
export async function startExtension(sw: RunningSwitch, user: string, password = TEST_PASSWORD): Promise<SippPeer> {
  const peer = await startSipp('uac-register-expect-401-200-then-pause.xml', {
    target: `127.0.0.1:${sw.internalPort}`,
    timeoutSec: 300,
    extra: ['-oocsf', join(SCENARIOS, 'uas-answer-200-expect-bye.xml'), '-s', user, '-au', user, '-ap', password, '-key', 'expires', '3600', '-m', '1', '-d', '240000'],
  });
  try {
    await waitUntil(() => /SIP\/2\.0 200 OK[\s\S]*CSeq: 2 REGISTER/.test(peer.messages()) || peer.process.exitCode !== null, 10_000, `${user}'s registration`);
    if (peer.process.exitCode !== null) throw new Error(`the extension's SIPp exited: ${peer.output()}`);
  } catch (err) {
    await peer.stop();
    throw err;
  }
  return peer;
}

/** A bare UDP peer: records what arrives (with arrival times) and answers through `onMessage`. */
export class UdpPeer {
  readonly arrivals: Array<{ at: number; text: string }> = [];
  onMessage: (text: string, reply: (data: string) => void) => void = () => {};
  #socket: import('node:dgram').Socket;

  private constructor(socket: import('node:dgram').Socket) {
    this.#socket = socket;
    socket.on('message', (m, rinfo) => {
      const text = m.toString('latin1');
      this.arrivals.push({ at: Date.now(), text });
      this.onMessage(text, (data) => socket.send(Buffer.from(data, 'latin1'), rinfo.port, rinfo.address));
    });
  }

  static async bind(port: number): Promise<UdpPeer> {
    const dgram = await import('node:dgram');
    const s = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(port, '127.0.0.1', () => resolve());
    });
    return new UdpPeer(s);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  /** Requests of a method that arrived, in order. */
  requests(method: string): Array<{ at: number; text: string }> {
    return this.arrivals.filter((a) => a.text.startsWith(`${method} `));
  }

  close(): void {
    this.#socket.close();
  }
}

/** A response to a request text, copying Via/From/To/Call-ID/CSeq (a To-tag added). */
export function respondTo(request: string, status: string): string {
  const head = request.split('\r\n\r\n')[0]!.split('\r\n');
  const keep = head.filter((l) => /^(via|from|call-id|cseq):/i.test(l));
  const to = head.find((l) => /^to:/i.test(l)) ?? 'To: <sip:x@127.0.0.1>';
  return [`SIP/2.0 ${status}`, ...keep, /;tag=/.test(to) ? to : `${to};tag=peer1`, 'Content-Length: 0', '', ''].join('\r\n');
}
