import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StreamFramer } from '../../../src/sip/index.js';

const invite = readFileSync(new URL('../../fixtures/sip/invite-grandstream.sip', import.meta.url));
const options = Buffer.from('OPTIONS sip:a@h SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n');

const messages = (events: ReturnType<StreamFramer['push']>) => events.filter((e) => e.kind === 'message').map((e) => (e as { data: Buffer }).data);

describe('stream framing', () => {
  it('reassembles a message delivered one byte at a time', () => {
    const f = new StreamFramer();
    const out: Buffer[] = [];
    for (let i = 0; i < invite.length; i++) out.push(...messages(f.push(invite.subarray(i, i + 1))));
    expect(out).toHaveLength(1);
    expect(out[0]!.equals(invite)).toBe(true);
    expect(f.pendingBytes).toBe(0);
  });

  it('splits coalesced messages and keeps a partial tail', () => {
    const f = new StreamFramer();
    const all = Buffer.concat([options, invite, options.subarray(0, 20)]);
    const out = messages(f.push(all));
    expect(out.map((b) => b.length)).toEqual([options.length, invite.length]);
    expect(f.pendingBytes).toBe(20);
    expect(messages(f.push(options.subarray(20)))[0]!.equals(options)).toBe(true);
  });

  it('answers a double-CRLF ping and skips single CRLF keep-alives', () => {
    const f = new StreamFramer();
    expect(f.push(Buffer.from('\r\n\r\n'))).toEqual([{ kind: 'ping' }]);
    const ev = f.push(Buffer.concat([Buffer.from('\r\n'), options]));
    expect(messages(ev)).toHaveLength(1);
  });

  it('fails on a Content-Length that is not a number', () => {
    const f = new StreamFramer();
    const ev = f.push(Buffer.from('INVITE sip:a@h SIP/2.0\r\nContent-Length: -999\r\n\r\n'));
    expect(ev[0]).toMatchObject({ kind: 'error', status: 400 });
    expect(f.push(options)).toEqual([]); // a failed stream stays failed
  });

  it('fails on a body above the cap without buffering it', () => {
    const f = new StreamFramer(65535);
    const ev = f.push(Buffer.from('INVITE sip:a@h SIP/2.0\r\nl: 9999999\r\n\r\n'));
    expect(ev[0]).toMatchObject({ kind: 'error', status: 413 });
  });

  it('fails when a header block grows past the cap', () => {
    const f = new StreamFramer(1024);
    const ev = f.push(Buffer.from(`INVITE sip:a@h SIP/2.0\r\nX: ${'a'.repeat(2000)}`));
    expect(ev[0]).toMatchObject({ kind: 'error', status: 413 });
  });

  it('waits for a body still on its way', () => {
    const f = new StreamFramer();
    const head = invite.subarray(0, invite.length - 10);
    expect(messages(f.push(head))).toHaveLength(0);
    expect(messages(f.push(invite.subarray(invite.length - 10)))).toHaveLength(1);
  });
});
