// Stream framing (RFC 3261 §18.3): turns TCP bytes into whole messages by Content-Length,
// across partial and coalesced segments, before any parsing. Also recognises the RFC 5626
// CRLF keep-alive (a double CRLF "ping" is answered with a single CRLF "pong"). Memory is
// bounded: a header block or body larger than the cap is an error and the connection closes.

import { findHeaderEnd } from './parser.js';

export type FrameEvent =
  | { kind: 'message'; data: Buffer }
  | { kind: 'ping' }
  | { kind: 'error'; status: 400 | 413; reason: string; head?: Buffer };

const CL_RE = /^(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)/im;

export class StreamFramer {
  #buf: Buffer;
  #len = 0;
  #failed = false;
  readonly #maxMessageBytes: number;

  constructor(maxMessageBytes = 65535) {
    this.#maxMessageBytes = maxMessageBytes;
    this.#buf = Buffer.allocUnsafe(Math.min(4096, maxMessageBytes + 4));
  }

  /** Bytes held that belong to a message not yet complete (keep-alive CRLFs excluded). */
  get pendingBytes(): number {
    let i = 0;
    while (i < this.#len && (this.#buf[i] === 13 || this.#buf[i] === 10)) i++;
    return this.#len - i;
  }

  /** Feed bytes; returns the events they complete. After an error the framer stays failed. */
  push(chunk: Buffer): FrameEvent[] {
    if (this.#failed) return [];
    this.#append(chunk);
    const events: FrameEvent[] = [];
    for (;;) {
      const ev = this.#next();
      if (!ev) break;
      events.push(ev);
      if (ev.kind === 'error') {
        this.#failed = true;
        this.#len = 0;
        break;
      }
    }
    this.#shrinkIfIdle();
    return events;
  }

  #append(chunk: Buffer): void {
    const need = this.#len + chunk.length;
    if (need > this.#buf.length) {
      // Grow geometrically, but never far past what one message may take.
      let cap = this.#buf.length * 2;
      while (cap < need) cap *= 2;
      const next = Buffer.allocUnsafe(Math.max(need, Math.min(cap, this.#maxMessageBytes * 2 + 8)));
      this.#buf.copy(next, 0, 0, this.#len);
      this.#buf = next;
    }
    chunk.copy(this.#buf, this.#len);
    this.#len = need;
  }

  #consume(n: number): void {
    this.#buf.copy(this.#buf, 0, n, this.#len);
    this.#len -= n;
  }

  #shrinkIfIdle(): void {
    if (this.#len === 0 && this.#buf.length > 65536) this.#buf = Buffer.allocUnsafe(4096);
  }

  #next(): FrameEvent | undefined {
    const buf = this.#buf;
    // Keep-alives between messages.
    if (this.#len >= 4 && buf[0] === 13 && buf[1] === 10 && buf[2] === 13 && buf[3] === 10) {
      this.#consume(4);
      return { kind: 'ping' };
    }
    let lead = 0;
    while (lead < this.#len && (buf[lead] === 13 || buf[lead] === 10)) lead++;
    if (lead === this.#len) {
      if (this.#len > 4) this.#consume(this.#len - 2);
      return undefined;
    }
    if (lead > 0) this.#consume(lead);
    const view = this.#buf.subarray(0, this.#len);
    const end = findHeaderEnd(view);
    if (!end) {
      if (this.#len > this.#maxMessageBytes) return { kind: 'error', status: 413, reason: 'Header Block Too Large' };
      return undefined;
    }
    if (end.headerEnd > this.#maxMessageBytes) return { kind: 'error', status: 413, reason: 'Header Block Too Large' };
    const head = view.toString('latin1', 0, end.headerEnd);
    const m = CL_RE.exec(head);
    let cl = 0;
    if (m) {
      const t = m[1]!.trim();
      if (!/^\d{1,10}$/.test(t)) return { kind: 'error', status: 400, reason: 'Bad Content-Length', head: Buffer.from(view.subarray(0, end.bodyStart)) };
      cl = Number(t);
    }
    if (end.bodyStart + cl > this.#maxMessageBytes) {
      return { kind: 'error', status: 413, reason: 'Message Too Large', head: Buffer.from(view.subarray(0, end.bodyStart)) };
    }
    const total = end.bodyStart + cl;
    if (this.#len < total) return undefined;
    const data = Buffer.from(view.subarray(0, total));
    this.#consume(total);
    return { kind: 'message', data };
  }
}
