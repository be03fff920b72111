// An inbound event socket client: connects, answers auth/request, sends commands and matches
// each reply (command/reply or api/response) to its request in order, and emits the events, log
// lines and disconnect notices the server pushes. The console uses it; it also works against a
// real FreeSWITCH. Spec §7.1–§7.3.

import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { EslFrameParser, frameHeader, type EslFrame } from './frame-parser.js';
import { EslAuthError, EslClosedError, EslConnectError, EslTimeoutError } from './errors.js';
import { fsUrlDecode } from '../common/index.js';

export interface EslClientOptions {
  host?: string;
  port?: number;
  password?: string;
  /** Time allowed for connect + auth (default 5 s). */
  connectTimeoutMs?: number;
}

export interface EslReply {
  /** Reply-Text (`+OK accepted`, `-ERR invalid`). */
  readonly text: string;
  readonly ok: boolean;
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

export interface EslEventMessage {
  readonly format: 'plain' | 'json' | 'xml';
  /** Event-Name ('' for xml, which is not parsed). */
  readonly name: string;
  /** Decoded headers in order ('' for xml). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string | undefined;
  /** The serialised event as received. */
  readonly raw: string;
}

export interface EslLogMessage {
  readonly level: number;
  readonly channel: number;
  readonly file: string;
  readonly func: string;
  readonly line: number;
  readonly userData: string;
  readonly text: string;
}

export interface EslClientEvents {
  event: [EslEventMessage];
  log: [EslLogMessage];
  /** A text/disconnect-notice arrived (its body). */
  disconnect: [string];
  close: [];
}

interface Pending {
  kind: 'api' | 'command';
  resolve: (frame: EslFrame) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
  /** Timed out: its reply is still expected and must be consumed, then dropped. */
  abandoned: boolean;
}

export interface RequestOptions {
  timeoutMs?: number;
}

/** Parse a text/event-plain body: url-decoded headers, then an optional Content-Length body. */
export function parsePlainEvent(raw: string): { headers: Array<[string, string]>; body: string | undefined } {
  const end = raw.indexOf('\n\n');
  const head = end < 0 ? raw : raw.slice(0, end);
  const headers: Array<[string, string]> = [];
  let length: number | undefined;
  for (const line of head.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon);
    const value = fsUrlDecode(line.slice(colon + 1).replace(/^ +/, '').replace(/\r$/, ''));
    if (name.toLowerCase() === 'content-length') length = Number.parseInt(value, 10);
    else headers.push([name, value]);
  }
  let body: string | undefined;
  if (end >= 0 && length !== undefined && length > 0) {
    body = Buffer.from(raw.slice(end + 2), 'utf8').subarray(0, length).toString('utf8');
  }
  return { headers, body };
}

/** Parse a text/event-json body into ordered headers and `_body`. */
export function parseJsonEvent(raw: string): { headers: Array<[string, string]>; body: string | undefined } {
  const obj = JSON.parse(raw) as Record<string, unknown>;
  const headers: Array<[string, string]> = [];
  let body: string | undefined;
  for (const [k, v] of Object.entries(obj)) {
    if (k === '_body') body = String(v);
    else if (k === 'Content-Length') continue;
    else if (Array.isArray(v)) for (const item of v) headers.push([k, String(item)]);
    else headers.push([k, String(v)]);
  }
  return { headers, body };
}

export class EslClient extends EventEmitter<EslClientEvents> {
  readonly #socket: Socket;
  readonly #parser = new EslFrameParser({ commandLine: false });
  #pending: Pending[] = [];
  #closed = false;
  #onAuthRequest: ((frame: EslFrame) => void) | undefined;

  private constructor(socket: Socket) {
    super();
    this.#socket = socket;
  }

  /** Connect and authenticate; rejects with EslConnectError, EslAuthError or EslTimeoutError. */
  static connect(opts: EslClientOptions = {}): Promise<EslClient> {
    const host = opts.host ?? '127.0.0.1';
    const port = opts.port ?? 8021;
    const password = opts.password ?? 'ClueCon';
    const timeoutMs = opts.connectTimeoutMs ?? 5000;
    return new Promise<EslClient>((resolve, reject) => {
      const socket = connect({ host, port });
      const client = new EslClient(socket);
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(new EslTimeoutError(`no answer from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
      socket.once('error', (err) => fail(new EslConnectError(`cannot connect to ${host}:${port}: ${err.message}`, { cause: err })));
      client.once('close', () => fail(new EslConnectError(`${host}:${port} closed the connection`)));
      let authSent = false;
      // Before auth a notice means refusal (rude rejection); after it, the auth reply decides.
      client.once('disconnect', (text) => {
        if (!authSent) fail(new EslConnectError(`${host}:${port} refused: ${text.trim()}`));
      });
      client.#onAuthRequest = () => {
        client.#onAuthRequest = undefined;
        authSent = true;
        client
          .command(`auth ${password}`)
          .then((reply) => {
            if (settled) return;
            if (!reply.ok || reply.text !== '+OK accepted') return fail(new EslAuthError(reply.text));
            settled = true;
            clearTimeout(timer);
            socket.removeAllListeners('error');
            socket.on('error', () => client.#shutdown());
            client.removeAllListeners('disconnect');
            client.removeAllListeners('close');
            resolve(client);
          })
          .catch((err: Error) => fail(err instanceof EslClosedError ? new EslAuthError('') : err));
      };
      client.#attach();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  #attach(): void {
    const s = this.#socket;
    s.setNoDelay(true);
    s.on('data', (chunk: Buffer) => {
      try {
        this.#parser.push(chunk, (frame) => this.#onFrame(frame));
      } catch {
        this.#shutdown();
      }
    });
    s.on('close', () => this.#shutdown());
  }

  #shutdown(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
    for (const p of this.#pending.splice(0)) {
      clearTimeout(p.timer);
      if (!p.abandoned) p.reject(new EslClosedError());
    }
    this.emit('close');
  }

  #onFrame(frame: EslFrame): void {
    const type = frameHeader(frame, 'Content-Type') ?? '';
    switch (type) {
      case 'auth/request':
        this.#onAuthRequest?.(frame);
        return;
      case 'command/reply':
      case 'api/response':
        this.#settle(frame);
        return;
      case 'log/data':
        this.emit('log', {
          level: Number(frameHeader(frame, 'Log-Level') ?? 7),
          channel: Number(frameHeader(frame, 'Text-Channel') ?? 0),
          file: frameHeader(frame, 'Log-File') ?? '',
          func: frameHeader(frame, 'Log-Func') ?? '',
          line: Number(frameHeader(frame, 'Log-Line') ?? 0),
          userData: frameHeader(frame, 'User-Data') ?? '',
          text: frame.body?.toString('utf8') ?? '',
        });
        return;
      case 'text/event-plain':
      case 'text/event-json':
      case 'text/event-xml':
        this.#emitEvent(type.slice('text/event-'.length) as 'plain' | 'json' | 'xml', frame.body?.toString('utf8') ?? '');
        return;
      case 'text/disconnect-notice':
      case 'text/rude-rejection':
        this.emit('disconnect', frame.body?.toString('utf8') ?? '');
        return;
      default:
        return;
    }
  }

  #emitEvent(format: 'plain' | 'json' | 'xml', raw: string): void {
    let parsed: { headers: Array<[string, string]>; body: string | undefined } = { headers: [], body: undefined };
    try {
      if (format === 'plain') parsed = parsePlainEvent(raw);
      else if (format === 'json') parsed = parseJsonEvent(raw);
    } catch {
      // An event we cannot parse is still delivered raw.
    }
    const name = parsed.headers.find(([k]) => k === 'Event-Name')?.[1] ?? '';
    this.emit('event', { format, name, headers: parsed.headers, body: parsed.body, raw });
  }

  #settle(frame: EslFrame): void {
    const p = this.#pending.shift();
    if (!p) return;
    clearTimeout(p.timer);
    if (!p.abandoned) p.resolve(frame);
  }

  #request(kind: 'api' | 'command', packet: string, opts: RequestOptions): Promise<EslFrame> {
    if (this.#closed) return Promise.reject(new EslClosedError());
    return new Promise<EslFrame>((resolve, reject) => {
      const entry: Pending = { kind, resolve, reject, timer: undefined, abandoned: false };
      if (opts.timeoutMs !== undefined) {
        entry.timer = setTimeout(() => {
          entry.abandoned = true;
          reject(new EslTimeoutError(`no reply within ${opts.timeoutMs} ms`));
        }, opts.timeoutMs);
      }
      this.#pending.push(entry);
      this.#socket.write(packet);
    });
  }

  /**
   * Send a command (anything but api) and wait for its command/reply. Headers and body go after
   * the command line; a body gets its Content-Length.
   */
  async command(line: string, opts: RequestOptions & { headers?: ReadonlyArray<readonly [string, string]>; body?: string } = {}): Promise<EslReply> {
    let packet = `${oneLine(line)}\n`;
    for (const [k, v] of opts.headers ?? []) packet += `${oneLine(k)}: ${oneLine(v)}\n`;
    if (opts.body !== undefined) packet += `Content-Length: ${Buffer.byteLength(opts.body, 'utf8')}\n\n${opts.body}`;
    else packet += '\n';
    const frame = await this.#request('command', packet, opts);
    const text = frameHeader(frame, 'Reply-Text') ?? '';
    return { text, ok: text.startsWith('+OK'), headers: frame.headers };
  }

  /** `api <command>` → the response body. consoleExecute splits `;;` on the server side. */
  async api(command: string, opts: RequestOptions & { consoleExecute?: boolean } = {}): Promise<string> {
    let packet = `api ${oneLine(command)}\n`;
    if (opts.consoleExecute) packet += 'console_execute: true\n';
    packet += '\n';
    const frame = await this.#request('api', packet, opts);
    return frame.body?.toString('utf8') ?? '';
  }

  /** `bgapi <command>` → the Job-UUID; the result arrives later as a BACKGROUND_JOB event. */
  async bgapi(command: string, opts: RequestOptions & { jobUuid?: string } = {}): Promise<string> {
    const headers: Array<[string, string]> = opts.jobUuid ? [['Job-UUID', opts.jobUuid]] : [];
    const reply = await this.command(`bgapi ${command}`, { ...opts, headers });
    if (!reply.ok) throw new EslConnectError(`bgapi refused: ${reply.text}`);
    const job = reply.headers.find(([k]) => k.toLowerCase() === 'job-uuid')?.[1];
    return job ?? reply.text.replace(/^\+OK Job-UUID: /, '');
  }

  /** Say `exit`, wait for the server to close (at most timeoutMs), then make sure it is closed. */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.#closed) return;
    const closed = new Promise<void>((resolve) => this.once('close', () => resolve()));
    const timer = setTimeout(() => this.#shutdown(), timeoutMs);
    timer.unref();
    this.command('exit').catch(() => {});
    await closed;
    clearTimeout(timer);
  }

  /** Close at once without saying goodbye. */
  destroy(): void {
    this.#shutdown();
  }
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}
