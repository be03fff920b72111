// Incremental framing of event socket packets, both directions (spec §7.1). Framing only: bytes
// in, (command line, headers, body) out; what a command means is the connection's business.
//
//   api status\n              ← command line (client → server packets only)
//   Job-UUID: 1234\n          ← headers, `Name: value`, LF or CRLF
//   Content-Length: 5\n
//   \n                        ← an empty line ends the header block
//   hello                     ← exactly Content-Length body bytes, when given
//
// Like FreeSWITCH: CR/LF before a packet is skipped (a packet that starts with an empty line is
// ignored), a line ends at its first CR or LF, a header line without `:` is dropped, and a
// non-numeric Content-Length counts as 0. Unlike it, the header block and the body have caps:
// past them the parser throws EslFramingError and stays failed, so memory stays bounded.

import { EslFramingError } from './errors.js';

export const DEFAULT_MAX_HEADER_BYTES = 64 * 1024;
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface EslFrame {
  /** The first line of a client packet (`api status`); '' when parsing server packets. */
  readonly command: string;
  /** Headers in order, names as sent. */
  readonly headers: Array<[name: string, value: string]>;
  /** The Content-Length body, when there was one. */
  readonly body: Buffer | undefined;
}

export interface EslFrameParserOptions {
  /** Client → server packets start with a command line; server → client packets do not. */
  commandLine: boolean;
  maxHeaderBytes?: number;
  maxBodyBytes?: number;
}

const LF = 0x0a;
const CR = 0x0d;

export class EslFrameParser {
  readonly #commandLine: boolean;
  readonly #maxHeaderBytes: number;
  #maxBodyBytes: number;
  #head: Buffer = Buffer.alloc(0);
  #headLen = 0;
  /** Newlines seen since the last byte that was neither CR nor LF (FS's `crcount`). */
  #newlines = 0;
  #pending: { command: string; headers: Array<[string, string]> } | undefined;
  #bodyNeeded = 0;
  #bodyParts: Buffer[] = [];
  #failed: EslFramingError | undefined;

  constructor(opts: EslFrameParserOptions) {
    this.#commandLine = opts.commandLine;
    this.#maxHeaderBytes = opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
    this.#maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  /** Raise or lower the body cap (the server allows big bodies only after `auth`). */
  setMaxBodyBytes(bytes: number): void {
    this.#maxBodyBytes = bytes;
  }

  /** Bytes held for an incomplete packet. */
  get bufferedBytes(): number {
    let n = this.#headLen;
    for (const p of this.#bodyParts) n += p.length;
    return n;
  }

  /**
   * Feed bytes; onFrame runs once per complete packet, in order. Throws EslFramingError when a
   * cap is exceeded (packets completed before the violation have been delivered by then).
   */
  push(chunk: Buffer, onFrame: (frame: EslFrame) => void): void {
    if (this.#failed) throw this.#failed;
    let off = 0;
    const len = chunk.length;
    while (off < len) {
      if (this.#pending) {
        const take = Math.min(this.#bodyNeeded, len - off);
        this.#bodyParts.push(chunk.subarray(off, off + take));
        this.#bodyNeeded -= take;
        off += take;
        if (this.#bodyNeeded === 0) this.#emitWithBody(onFrame);
        continue;
      }
      if (this.#headLen === 0) {
        while (off < len && (chunk[off] === CR || chunk[off] === LF)) off++;
        if (off >= len) break;
        this.#newlines = 0;
      }
      let i = off;
      let complete = false;
      while (i < len) {
        const b = chunk[i++];
        if (b === LF) {
          if (++this.#newlines === 2) {
            complete = true;
            break;
          }
        } else if (b !== CR) {
          this.#newlines = 0;
        }
      }
      this.#appendHead(chunk, off, i);
      off = i;
      if (complete) this.#finishHead(onFrame);
    }
  }

  #appendHead(chunk: Buffer, from: number, to: number): void {
    const n = to - from;
    if (n === 0) return;
    const needed = this.#headLen + n;
    if (needed > this.#maxHeaderBytes) {
      this.#fail('ERR_ESL_HEADER_TOO_LARGE', `header block larger than ${this.#maxHeaderBytes} bytes`);
    }
    if (needed > this.#head.length) {
      const grown = Buffer.allocUnsafe(Math.min(Math.max(needed, this.#head.length * 2, 1024), this.#maxHeaderBytes));
      this.#head.copy(grown, 0, 0, this.#headLen);
      this.#head = grown;
    }
    chunk.copy(this.#head, this.#headLen, from, to);
    this.#headLen = needed;
  }

  #finishHead(onFrame: (frame: EslFrame) => void): void {
    const text = this.#head.toString('utf8', 0, this.#headLen);
    this.#headLen = 0;
    this.#newlines = 0;
    if (this.#head.length > 4096) this.#head = Buffer.alloc(0);
    let command = '';
    const headers: Array<[string, string]> = [];
    let first = this.#commandLine;
    let contentLength = 0;
    let sawLength = false;
    for (const raw of text.split('\n')) {
      const line = cutAtCr(raw);
      if (line === '') continue;
      if (first) {
        command = line;
        first = false;
        continue;
      }
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon);
      let v = colon + 1;
      while (line.charCodeAt(v) === 0x20) v++;
      const value = line.slice(v);
      headers.push([name, value]);
      if (!sawLength && name.toLowerCase() === 'content-length') {
        sawLength = true;
        contentLength = this.#parseLength(value);
      }
    }
    if (contentLength > 0) {
      this.#pending = { command, headers };
      this.#bodyNeeded = contentLength;
      this.#bodyParts = [];
      return;
    }
    onFrame({ command, headers, body: undefined });
  }

  #emitWithBody(onFrame: (frame: EslFrame) => void): void {
    const pending = this.#pending as { command: string; headers: Array<[string, string]> };
    // One part is a view into the socket's chunk: copy it so the chunk can be collected.
    const body = this.#bodyParts.length === 1 ? Buffer.from(this.#bodyParts[0] as Buffer) : Buffer.concat(this.#bodyParts);
    this.#pending = undefined;
    this.#bodyParts = [];
    onFrame({ command: pending.command, headers: pending.headers, body });
  }

  /** atoi-like: leading digits count, anything else is 0; over the cap throws. */
  #parseLength(value: string): number {
    const m = /^\s*\+?(\d+)/.exec(value);
    if (!m) return 0;
    const digits = (m[1] as string).replace(/^0+/, '');
    if (digits.length > 12 || Number(digits) > this.#maxBodyBytes) {
      this.#fail('ERR_ESL_BODY_TOO_LARGE', `Content-Length ${value.trim()} exceeds ${this.#maxBodyBytes} bytes`);
    }
    return Number(digits || '0');
  }

  #fail(code: 'ERR_ESL_HEADER_TOO_LARGE' | 'ERR_ESL_BODY_TOO_LARGE', message: string): never {
    this.#failed = new EslFramingError(code, message);
    this.#head = Buffer.alloc(0);
    this.#headLen = 0;
    this.#bodyParts = [];
    this.#pending = undefined;
    throw this.#failed;
  }
}

function cutAtCr(line: string): string {
  const cr = line.indexOf('\r');
  return cr < 0 ? line : line.slice(0, cr);
}

/** The first value of a header, names compared case-insensitively. */
export function frameHeader(frame: { headers: ReadonlyArray<readonly [string, string]> }, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of frame.headers) if (k.toLowerCase() === lower) return v;
  return undefined;
}
