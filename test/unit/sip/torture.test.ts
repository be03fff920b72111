// RFC 4475 and RFC 5118 torture messages, table-driven from ../shared/testdata. Each valid
// message must parse (and validate, for requests); each invalid one is refused with the status
// we chose, unless the RFC lets a liberal parser accept it and we do.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMessage, validateRequest, validateResponse, SipParseError, SipUri, type SipMessage, type SipRequest } from '../../../src/sip/index.js';

interface Entry { name: string; file: string; kind: 'request' | 'response'; validity: 'valid' | 'invalid'; suggested_outcome: string; lenient_accept_ok: boolean }

const corpus = (dir: string) => {
  const base = new URL(`../../../../shared/testdata/${dir}/`, import.meta.url);
  const index = JSON.parse(readFileSync(new URL('index.json', base), 'utf8')) as { messages: Entry[] };
  return index.messages.map((m) => ({ ...m, bytes: readFileSync(new URL(m.file, base)) }));
};
const messages = [...corpus('rfc4475'), ...corpus('rfc5118')];

/** Invalid messages we accept, as the RFC allows a liberal parser to. */
const LENIENT = new Set(['baddate', 'badaspec']);
/** Status we answer for invalid requests when it differs from 400. */
const STATUS: Record<string, number> = { badvers: 505 };

function outcome(bytes: Buffer): { ok: true; msg: SipMessage } | { ok: false; err: SipParseError } {
  try {
    const msg = parseMessage(bytes, {}, true);
    if (msg.kind === 'request') validateRequest(msg);
    else validateResponse(msg);
    return { ok: true, msg };
  } catch (err) {
    if (!(err instanceof SipParseError)) throw err;
    return { ok: false, err };
  }
}

describe('torture messages (RFC 4475, RFC 5118)', () => {
  it('covers the whole corpus', () => {
    expect(messages.length).toBe(49 + 12);
  });

  for (const m of messages) {
    const expectAccept = m.validity === 'valid' || LENIENT.has(m.name);
    it(`${m.name} (${m.validity}) is ${expectAccept ? 'parsed' : 'refused'}`, () => {
      const r = outcome(m.bytes);
      if (expectAccept) {
        if (!r.ok) throw new Error(`${m.name}: ${r.err.message}`);
        expect(r.msg.kind).toBe(m.kind);
      } else {
        expect(r.ok).toBe(false);
        if (!r.ok && m.kind === 'request') expect(r.err.status).toBe(STATUS[m.name] ?? 400);
      }
    });
  }
});

const get = (name: string) => {
  const m = messages.find((x) => x.name === name)!;
  const r = outcome(m.bytes);
  if (!r.ok) throw r.err;
  return r.msg;
};

describe('torture messages parse to the fields the RFCs describe', () => {
  it('wsinv: folded lines, odd spacing and case, leading zeros', () => {
    const req = get('wsinv') as SipRequest;
    expect(req.method).toBe('INVITE');
    expect(req.to?.tag).toBe('1918181833n');
    expect(req.from?.display).toBe('J Rosenberg \\"');
    expect(req.from?.tag).toBe('98asjd8');
    expect(req.maxForwards).toBe(68);
    expect(req.cseq).toEqual({ seq: 9, method: 'INVITE' });
    expect(req.vias.map((v) => `${v?.transport} ${v?.sentBy} ${v?.branch}`)).toEqual([
      'UDP 192.0.2.2 390skdjuw', 'TCP spindle.example.com z9hG4bK9ikj8', 'UDP 192.168.255.111 z9hG4bK30239',
    ]);
    expect(req.contact?.display).toBe('Quoted string ""');
    expect(req.contact?.params.get('newparam')).toBe('newvalue');
    expect(req.contact?.params.get('secondparam')).toBeNull();
    expect(req.contact?.params.get('q')).toBe('0.33');
    expect(req.get('newfangledheader')).toBe('newfangled value continued newfangled value');
    expect(req.get('subject')).toBe('');
    expect(req.body.length).toBe(150);
  });

  it('esc01: escapes are kept as written and decoded once on demand', () => {
    const req = get('esc01') as SipRequest;
    const uri = req.requestUri as SipUri;
    expect(uri.user).toBe('sips%3Auser%40example.com');
    expect(uri.host).toBe('example.net');
    const c = req.contact!.parsedUri as SipUri;
    expect(c.params.get('n%61me')).toBe('v%61lue%25%34%31');
  });

  it('escnull: %00 does not cut the user part and the two contacts stay distinct', () => {
    const req = get('escnull') as SipRequest;
    expect(req.contacts.map((c) => c?.uri)).toEqual(['sip:%00@host5.example.com', 'sip:%00%00@host5.example.com']);
  });

  it('semiuri: the user part runs up to the @', () => {
    const uri = (get('semiuri') as SipRequest).requestUri as SipUri;
    expect(uri.user).toBe('user;par=u%40example.net');
    expect(uri.host).toBe('example.com');
    expect(uri.params.size).toBe(0);
  });

  it('lwsdisp: a display token runs straight into <', () => {
    expect((get('lwsdisp') as SipRequest).from?.display).toBe('caller');
  });

  it('cparam01/cparam02: a parameter outside <> belongs to the header, inside to the URI', () => {
    const c1 = (get('cparam01') as SipRequest).contact!;
    expect(c1.params.has('unknownparam')).toBe(true);
    expect((c1.parsedUri as SipUri).params.has('unknownparam')).toBe(false);
    const c2 = (get('cparam02') as SipRequest).contact!;
    expect(c2.params.has('unknownparam')).toBe(false);
    expect((c2.parsedUri as SipUri).params.has('unknownparam')).toBe(true);
  });

  it('regescrt: an escaped Route header stays inside the Contact URI', () => {
    const uri = (get('regescrt') as SipRequest).contact!.parsedUri as SipUri;
    expect(uri.headers).toEqual([['Route', '%3Csip:sip.example.com%3E']]);
  });

  it('dblreq: only the REGISTER is taken from the datagram', () => {
    const req = get('dblreq') as SipRequest;
    expect(req.method).toBe('REGISTER');
    expect(req.body.length).toBe(0);
  });

  it('mpart01: a binary multipart body is framed by Content-Length', () => {
    const req = get('mpart01') as SipRequest;
    expect(req.body.length).toBe(553);
    expect(req.contentType).toBe('multipart/mixed');
  });

  it('unreason and noreason: odd and empty reason phrases', () => {
    const un = get('unreason');
    expect(un.kind === 'response' && un.status).toBe(200);
    const no = get('noreason');
    expect(no.kind === 'response' && no.reason).toBe('');
  });

  it('longreq: long values are kept whole', () => {
    const req = get('longreq') as SipRequest;
    expect(req.vias.length).toBeGreaterThan(30);
    expect(req.to!.display!.length).toBeGreaterThan(80);
    expect(req.from!.uri.length).toBeGreaterThan(100);
    expect(req.callId.length).toBeGreaterThan(100);
  });

  it('inv2543: no branch, no Content-Length: the body is the rest of the datagram', () => {
    const req = get('inv2543') as SipRequest;
    expect(req.topVia?.branch).toBeUndefined();
    expect(req.body.toString()).toContain('m=audio 49217 RTP/AVP 0');
  });

  it('RFC 5118: IPv6 references in URIs and Vias', () => {
    expect(((get('ipv6-good') as SipRequest).requestUri as SipUri).host).toBe('2001:db8::10');
    const amb = (get('port-ambiguous') as SipRequest).requestUri as SipUri;
    expect(amb.host).toBe('2001:db8::10:5070');
    expect(amb.port).toBeUndefined();
    const unamb = (get('port-unambiguous') as SipRequest).requestUri as SipUri;
    expect(unamb.host).toBe('2001:db8::10');
    expect(unamb.port).toBe(5070);
    expect((get('via-received-param-no-delim') as SipRequest).topVia?.received).toBe('2001:db8::9:255');
    expect((get('via-received-param-with-delim') as SipRequest).topVia?.received).toBe('[2001:db8::9:255]');
    expect((get('ipv4-mapped-ipv6') as SipRequest).topVia?.host).toBe('::ffff:192.0.2.10');
  });
});
