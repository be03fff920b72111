import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  parseMessage, serialize, validateRequest, SipParseError, SipRequest, SipResponse, SipUri,
} from '../../../src/sip/index.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/sip/${name}`, import.meta.url));
const crlf = (...lines: string[]) => Buffer.from(lines.join('\r\n'));

function parseRequest(buf: Buffer): SipRequest {
  const msg = parseMessage(buf);
  expect(msg.kind).toBe('request');
  validateRequest(msg as SipRequest);
  return msg as SipRequest;
}

function parseError(buf: Buffer, datagram = true): SipParseError {
  try {
    const msg = parseMessage(buf, {}, datagram);
    if (msg.kind === 'request') validateRequest(msg);
  } catch (err) {
    expect(err).toBeInstanceOf(SipParseError);
    return err as SipParseError;
  }
  throw new Error('expected a parse error');
}

describe('parser on realistic messages', () => {
  it('parses a Grandstream INVITE with SDP into typed values', () => {
    const req = parseRequest(fixture('invite-grandstream.sip'));
    expect(req.method).toBe('INVITE');
    expect(req.uri).toBe('sip:1000@192.168.1.10');
    const ruri = req.requestUri as SipUri;
    expect(ruri).toBeInstanceOf(SipUri);
    expect(ruri.user).toBe('1000');
    expect(ruri.host).toBe('192.168.1.10');
    expect(req.topVia?.branch).toBe('z9hG4bK1234567890abcdef');
    expect(req.topVia?.rport).toBeNull();
    expect(req.topVia?.port).toBe(5062);
    expect(req.from?.display).toBe('Extension 1001');
    expect(req.fromTag).toBe('1736472098');
    expect(req.toTag).toBeUndefined();
    expect(req.callId).toBe('1539282746-5062-1@BA.GB.A.FE');
    expect(req.cseq).toEqual({ seq: 21, method: 'INVITE' });
    expect(req.maxForwards).toBe(70);
    expect(req.contact?.uri).toBe('sip:1001@192.168.1.50:5062;transport=udp');
    expect(req.contentType).toBe('application/sdp');
    expect(req.body.toString()).toContain('m=audio 5004 RTP/AVP 9 0 8 18 101');
    expect(req.getAll('allow')).toContain('REFER');
    expect(req.optionTags('supported')).toEqual(['replaces', 'path', 'timer', 'eventlist']);
  });

  it('round-trips realistic messages byte for byte', () => {
    for (const name of ['invite-grandstream.sip', 'register-grandstream.sip', 'ok-linphone.sip']) {
      const raw = fixture(name);
      expect(serialize(parseMessage(raw)).equals(raw)).toBe(true);
    }
  });

  it('parses a 200 OK response with its To tag and Contact', () => {
    const res = parseMessage(fixture('ok-linphone.sip')) as SipResponse;
    expect(res.kind).toBe('response');
    expect(res.status).toBe(200);
    expect(res.reason).toBe('OK');
    expect(res.toTag).toBe('1921839371');
    expect(res.topVia?.received).toBe('192.168.1.10');
    expect(res.topVia?.rport).toBe(5060);
    expect(res.cseq?.method).toBe('INVITE');
  });

  it('keeps a REGISTER Contact with +sip.instance and reg-id parameters', () => {
    const req = parseRequest(fixture('register-grandstream.sip'));
    const c = req.contact!;
    expect(c.params.get('reg-id')).toBe('1');
    expect(c.params.get('+sip.instance')).toBe('"<urn:uuid:00000000-0000-1000-8000-000B82A1B2C3>"');
    expect(req.expires).toBe(3600);
    expect(req.get('authorization')).toMatch(/^Digest username="1003"/);
  });
});

describe('parser on header syntax', () => {
  it('expands compact header names and answers to every spelling', () => {
    const req = parseRequest(crlf(
      'OPTIONS sip:a@127.0.0.1 SIP/2.0', 'v: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKx1', 'f: <sip:b@h>;tag=1', 't: <sip:a@h>',
      'i: abc', 'CSeq: 1 OPTIONS', 'm: <sip:b@127.0.0.1:5070>', 'k: path', 'l: 0', '', ''));
    expect(req.get('Via')).toBe('SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKx1');
    expect(req.get('CALL-ID')).toBe('abc');
    expect(req.get('i')).toBe('abc');
    expect(req.get('supported')).toBe('path');
    expect(req.headers[0]!.written).toBe('v');
  });

  it('unfolds continuation lines into one value', () => {
    const req = parseRequest(crlf(
      'OPTIONS sip:a@h SIP/2.0', 'Via: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKf', 'From: <sip:b@h>', ' ;tag=77', 'To: <sip:a@h>',
      'Call-ID: c', 'CSeq: 1', '  OPTIONS', 'Subject: one', '\ttwo', 'Content-Length: 0', '', ''));
    expect(req.fromTag).toBe('77');
    expect(req.get('subject')).toBe('one two');
    expect(req.cseq).toEqual({ seq: 1, method: 'OPTIONS' });
  });

  it('splits list headers on commas outside quotes and angle brackets', () => {
    const req = parseRequest(crlf(
      'REGISTER sip:h SIP/2.0', 'Via: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKa, SIP/2.0/TCP 5.6.7.8:5061;branch=z9hG4bKb', 'Via: SIP/2.0/UDP 9.9.9.9;branch=z9hG4bKc',
      'From: <sip:a@h>;tag=1', 'To: <sip:a@h>', 'Call-ID: c', 'CSeq: 1 REGISTER',
      'Contact: "Doe, John" <sip:a@1.1.1.1;x=1,2>;q=0.5, <sip:a@2.2.2.2>', 'Content-Length: 0', '', ''));
    expect(req.vias.map((v) => v?.sentBy)).toEqual(['1.2.3.4', '5.6.7.8:5061', '9.9.9.9']);
    expect(req.contacts).toHaveLength(2);
    expect(req.contacts[0]!.display).toBe('Doe, John');
    expect(req.contacts[0]!.uri).toBe('sip:a@1.1.1.1;x=1,2');
    expect(req.contacts[0]!.params.get('q')).toBe('0.5');
    // Authorization-style headers are never split.
    const auth = 'Digest username="a", realm="b", nonce="c,d"';
    req.setHeader('Authorization', auth);
    expect(req.getAll('authorization')).toEqual([auth]);
  });

  it('treats a datagram body without Content-Length as the rest of the datagram', () => {
    const req = parseRequest(crlf(
      'INVITE sip:a@h SIP/2.0', 'Via: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKz', 'From: <sip:b@h>;tag=1', 'To: <sip:a@h>',
      'Call-ID: c', 'CSeq: 1 INVITE', '', 'v=0', ''));
    expect(req.body.toString()).toBe('v=0\r\n');
  });

  it('counts Content-Length in bytes for UTF-8 bodies', () => {
    const body = 'héllo wörld';
    const req = new SipRequest('MESSAGE', 'sip:a@h');
    req.setBody(body, 'text/plain;charset=utf-8');
    expect(req.get('content-length')).toBe(String(Buffer.byteLength(body)));
    const back = parseMessage(serialize(req));
    expect(back.body.toString('utf8')).toBe(body);
  });

  it('ignores empty lines before the start line (RFC 3261 §7.5)', () => {
    const req = parseRequest(Buffer.concat([Buffer.from('\r\n\r\n'), crlf(
      'OPTIONS sip:a@h SIP/2.0', 'Via: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKq', 'From: <sip:b@h>;tag=1', 'To: <sip:a@h>',
      'Call-ID: c', 'CSeq: 2 OPTIONS', 'Content-Length: 0', '', '')]));
    expect(req.cseq?.seq).toBe(2);
  });
});

describe('parser on garbage', () => {
  const base = [
    'OPTIONS sip:a@h SIP/2.0', 'Via: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKg', 'From: <sip:b@h>;tag=1', 'To: <sip:a@h>', 'Call-ID: c', 'CSeq: 1 OPTIONS',
  ];

  it.each([
    ['a truncated start line', Buffer.from('OPTIONS sip:a@h'), 400],
    ['a lone line', Buffer.from('hello\r\n\r\n'), 400],
    ['an empty datagram of CRLFs', Buffer.from('\r\n\r\n\r\n'), 400],
    ['a NUL byte in a header name', crlf(...base, 'X-N\0L: 1', 'Content-Length: 0', '', ''), 400],
    ['a negative Content-Length', crlf(...base, 'Content-Length: -999', '', ''), 400],
    ['a Content-Length past the datagram', crlf(...base, 'Content-Length: 9999', '', 'abc'), 400],
    ['a Content-Length above the cap', crlf(...base, 'Content-Length: 9999999999', '', ''), 413],
    ['a header line without a colon', crlf(...base, 'NoColonHere', 'Content-Length: 0', '', ''), 400],
    ['a bad SIP version', crlf('OPTIONS sip:a@h SIP/3.0', ...base.slice(1), '', ''), 505],
    ['a status code out of range', crlf('SIP/2.0 4294967301 nope', 'Via: SIP/2.0/UDP h;branch=z9hG4bKx', '', ''), 400],
  ])('rejects %s', (_name, buf, status) => {
    expect(parseError(buf as Buffer).status).toBe(status);
  });

  it('caps the number of headers (1,000 Via headers)', () => {
    const vias = Array.from({ length: 1000 }, (_, i) => `Via: SIP/2.0/UDP 10.0.0.${i % 250};branch=z9hG4bK${i}`);
    const err = parseError(crlf('OPTIONS sip:a@h SIP/2.0', ...vias, ...base.slice(2), 'Content-Length: 0', '', ''));
    expect(err.status).toBe(400);
    expect(err.reason).toBe('Too Many Headers');
  });

  it('refuses a message above the size cap (a 64 KiB header line)', () => {
    const err = parseError(crlf(...base, `X-Big: ${'a'.repeat(64 * 1024)}`, 'Content-Length: 0', '', ''));
    expect(err.status).toBe(413);
  });

  it('reports a missing mandatory header by name', () => {
    const err = parseError(crlf('OPTIONS sip:a@h SIP/2.0', 'Via: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKm', 'To: <sip:a@h>', 'Call-ID: c', 'CSeq: 1 OPTIONS', '', ''));
    expect(err.status).toBe(400);
    expect(err.reason).toBe('Missing From Header');
    expect(err.partial?.kind).toBe('request');
  });

  it('never throws anything but SipParseError on random bytes', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const valid = fixture('invite-grandstream.sip');
    for (let i = 0; i < 2000; i++) {
      const buf = Buffer.from(valid);
      const flips = 1 + Math.floor(rnd() * 20);
      for (let j = 0; j < flips; j++) buf[Math.floor(rnd() * buf.length)] = Math.floor(rnd() * 256);
      const cut = buf.subarray(0, Math.floor(rnd() * buf.length) + 1);
      try {
        const m = parseMessage(cut);
        if (m.kind === 'request') validateRequest(m);
        // typed accessors on whatever parsed must not throw either
        void m.vias; void m.from; void m.to; void m.contacts; void m.cseq;
      } catch (err) {
        expect(err).toBeInstanceOf(SipParseError);
      }
    }
  });
});

describe('parser state between messages', () => {
  it('a refused start line does not leak into the next message', () => {
    const bad = Buffer.from(`OPTIONS  sip:a@h  SIP/2.0\r\n${'X-A: 1\r\n'.repeat(300)}\r\n`);
    expect(() => parseMessage(bad)).toThrow(SipParseError);
    const good = crlf('OPTIONS sip:a@h SIP/2.0', 'Via: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKok', 'From: <sip:b@h>;tag=1', 'To: <sip:a@h>', 'Call-ID: c', 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', '');
    expect(() => parseRequest(good)).not.toThrow();
  });

  it('reads a folded Content-Length', () => {
    const req = parseRequest(crlf('MESSAGE sip:a@h SIP/2.0', 'Via: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKf2', 'From: <sip:b@h>;tag=1', 'To: <sip:a@h>', 'Call-ID: c', 'CSeq: 1 MESSAGE', 'Content-Length:', ' 5', '', 'hello'));
    expect(req.body.toString()).toBe('hello');
  });
});
