// A baresip softphone for interop tests, driven headless (see shared/docs/interop-notes.md):
// its own config folder, one account registered to the switch, and the ctrl_tcp module —
// netstring-framed JSON commands and events — to dial, accept and hang up. Registration is
// only visible on stdout. Every wait is bounded.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav } from '../../../src/rtp/wav.js';
import { freePort } from '../harness.js';
import { waitUntil } from './helpers.js';

/** A ctrl_tcp event (`{"event":true,"type":"CALL_ESTABLISHED",…}`). */
export interface BaresipEvent {
  type: string;
  class?: string;
  id?: string;
  peeruri?: string;
  param?: string;
  [key: string]: unknown;
}

/** Netstring frames (`<len>:<bytes>,`) out of a byte stream. */
export class NetstringReader {
  #buf = Buffer.alloc(0);

  push(chunk: Buffer): string[] {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    const out: string[] = [];
    for (;;) {
      const colon = this.#buf.indexOf(0x3a);
      if (colon < 0) break;
      const len = Number(this.#buf.subarray(0, colon).toString('ascii'));
      if (!Number.isInteger(len) || len < 0 || colon > 10) throw new Error(`bad netstring length: ${this.#buf.subarray(0, colon).toString()}`);
      if (this.#buf.length < colon + 1 + len + 1) break;
      out.push(this.#buf.subarray(colon + 1, colon + 1 + len).toString('utf8'));
      this.#buf = this.#buf.subarray(colon + 1 + len + 1);
    }
    return out;
  }
}

export function netstring(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]);
}

export class Baresip {
  readonly dir: string;
  readonly events: BaresipEvent[] = [];
  #child: ChildProcess | undefined;
  #ctrl: net.Socket | undefined;
  #out = '';
  #token = 0;
  #pending = new Map<string, (r: { ok: boolean; data: string }) => void>();

  private constructor(readonly user: string, readonly sipPort: number, readonly ctrlPort: number) {
    this.dir = mkdtempSync(join(tmpdir(), `baresip-${user}-`));
  }

  get output(): string {
    return this.#out;
  }

  /**
   * Start baresip registered as `user` (password 1234) to the switch's internal profile. It
   * sends a sine of `toneHz` (default 440) and records what it hears (sndfile) for decoded().
   */
  static async start(user: string, switchPort: number, opts: { toneHz?: number } = {}): Promise<Baresip> {
    // baresip also opens TLS on sipPort+1 (interop notes): take a pair that is free.
    let sipPort = await freePort();
    for (let i = 0; i < 20; i++) {
      if (await portFree(sipPort + 1)) break;
      sipPort = await freePort();
    }
    const b = new Baresip(user, sipPort, await freePort());
    mkdirSync(join(b.dir, 'snd'));
    writeFileSync(
      join(b.dir, 'config'),
      [
        `sip_listen 127.0.0.1:${sipPort}`,
        'net_interface 127.0.0.1',
        'module_path /usr/lib/baresip/modules',
        'module g711.so',
        'module ausine.so',
        'module sndfile.so',
        'module account.so',
        'module menu.so',
        'module ctrl_tcp.so',
        `ctrl_tcp_listen 127.0.0.1:${b.ctrlPort}`,
        `audio_source ausine,${opts.toneHz ?? 440}`,
        'audio_player none',
        'ausrc_srate 48000',
        'ausrc_channels 2',
        `snd_path ${join(b.dir, 'snd')}`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(b.dir, 'accounts'),
      `<sip:${user}@127.0.0.1>;auth_pass=1234;outbound="sip:127.0.0.1:${switchPort};transport=udp";answermode=manual;audio_codecs=PCMU,PCMA;regint=600\n`,
    );
    writeFileSync(join(b.dir, 'contacts'), '');
    const child = spawn('baresip', ['-f', b.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    b.#child = child;
    child.stdout!.on('data', (c) => (b.#out += c));
    child.stderr!.on('data', (c) => (b.#out += c));
    try {
      const registered = new RegExp(`${user}@127\\.0\\.0\\.1: \\{0/UDP/v4\\} 200 OK \\(softswitch/[^)]+\\) \\[1 binding\\]`);
      await waitUntil(() => registered.test(b.#out) || child.exitCode !== null, 15_000, `baresip ${user}'s registration (output so far: ${b.#out})`);
      if (child.exitCode !== null) throw new Error(`baresip ${user} exited: ${b.#out}`);
      await b.#connect();
    } catch (err) {
      await b.stop();
      throw err;
    }
    return b;
  }

  async #connect(): Promise<void> {
    const sock = net.connect(this.ctrlPort, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    sock.on('error', () => {});
    const reader = new NetstringReader();
    sock.on('data', (chunk: Buffer) => {
      for (const text of reader.push(chunk)) {
        const msg = JSON.parse(text) as Record<string, unknown>;
        if (msg.event) this.events.push(msg as unknown as BaresipEvent);
        else if (msg.response && typeof msg.token === 'string') {
          this.#pending.get(msg.token)?.({ ok: msg.ok === true, data: String(msg.data ?? '') });
          this.#pending.delete(msg.token);
        }
      }
    });
    this.#ctrl = sock;
  }

  /** Send a ctrl_tcp command; resolves with baresip's response. */
  command(command: string, params?: string): Promise<{ ok: boolean; data: string }> {
    const token = String(++this.#token);
    const p = new Promise<{ ok: boolean; data: string }>((resolve, reject) => {
      const t = setTimeout(() => {
        this.#pending.delete(token);
        reject(new Error(`baresip ${this.user}: no response to ${command}`));
      }, 5000);
      this.#pending.set(token, (r) => {
        clearTimeout(t);
        resolve(r);
      });
    });
    this.#ctrl!.write(netstring(JSON.stringify(params === undefined ? { command, token } : { command, params, token })));
    return p;
  }

  async waitEvent(type: string, ms = 10_000): Promise<BaresipEvent> {
    await waitUntil(() => this.events.some((e) => e.type === type), ms, `${type} at baresip ${this.user} (events: ${this.events.map((e) => e.type).join(', ')})`);
    return this.events.find((e) => e.type === type)!;
  }

  /**
   * What baresip decoded from the switch since clearRecordings() (its sndfile dumps, one per
   * audio stream, joined in order), as mono samples; read once the call has closed.
   */
  decoded(): { samples: Int16Array; rate: number } {
    const snd = join(this.dir, 'snd');
    const files = readdirSync(snd).filter((f) => f.endsWith('-dec.wav')).sort();
    if (files.length === 0) throw new Error(`baresip ${this.user} recorded nothing (output: ${this.#out})`);
    const parts = files.map((f) => decodeWav(readFileSync(join(snd, f)), f));
    const rate = parts[0]!.info.sampleRate;
    const samples = new Int16Array(parts.reduce((n, p) => n + p.samples.length, 0));
    let at = 0;
    for (const p of parts) {
      samples.set(p.samples, at);
      at += p.samples.length;
    }
    return { samples, rate };
  }

  /** Forget earlier recordings, so decoded() reads the next call's. */
  clearRecordings(): void {
    const snd = join(this.dir, 'snd');
    for (const f of readdirSync(snd)) rmSync(join(snd, f), { force: true });
  }

  async stop(): Promise<void> {
    this.#ctrl?.destroy();
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}
