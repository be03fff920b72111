// Parse one SIP message from bytes (RFC 3261 §7, §25): start line, header lines (folding,
// compact forms, odd spacing), body by Content-Length. Then validate what a request must carry
// before any transaction sees it. Failures throw SipParseError with the status to answer and,
// when the headers could be read, the partial message so a 400 can still be built.
//
// Datagram rules (§18.3): the body is exactly Content-Length bytes and trailing bytes are
// ignored (RFC 4475 dblreq); a Content-Length past the end of the datagram is a 400 (clerr);
// a datagram without Content-Length takes the rest as body (inv2543). Stream framing is done
// before parsing (framing.ts), which hands over exactly one message.

import { canonicalHeaderName, SINGLE_VALUE_HEADERS } from './header-names.js';
import { internKey } from './intern.js';
import { SipParseError } from './errors.js';
import { SipRequest, SipResponse, type SipHeader, type SipMessage } from './message.js';
import { isToken } from './text.js';
import { SipUri } from './uri.js';

export interface ParseLimits {
  /** Largest message accepted, in bytes (default 65535). */
  maxMessageBytes?: number;
  /** Most header lines accepted (default 256). */
  maxHeaders?: number;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 65535;
export const DEFAULT_MAX_HEADERS = 256;

/** Where the header block ends: the index of the empty line and where the body starts. */
export function findHeaderEnd(buf: Buffer, from = 0): { headerEnd: number; bodyStart: number } | undefined {
  // CRLF is what everyone sends; bare-LF messages are looked for only when there is none.
  const crlf = buf.indexOf(CRLFCRLF, from);
  if (crlf >= 0) return { headerEnd: crlf, bodyStart: crlf + 4 };
  const lf = buf.indexOf(LFLF, from);
  if (lf >= 0) return { headerEnd: lf, bodyStart: lf + 2 };
  return undefined;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');

/** Parse the whole of `data` as one message. `datagram` selects the UDP body rules. */
export function parseMessage(data: Buffer, limits: ParseLimits = {}, datagram = true): SipMessage {
  const maxBytes = limits.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  deferredError = undefined;
  if (data.length > maxBytes) throw new SipParseError(413, 'Message Too Large');
  // RFC 3261 §7.5: ignore empty lines before the start line.
  let start = 0;
  while (start < data.length && (data[start] === 13 || data[start] === 10)) start++;
  if (start >= data.length) throw new SipParseError(400, 'Empty Message');
  // A datagram whose header block is never closed is taken as headers only (lenient, RFC 4475
  // baddn); the validator still judges its content.
  let headerEnd = data.indexOf(CRLFCRLF, start);
  let bodyStart = headerEnd + 4;
  if (headerEnd < 0) {
    headerEnd = data.indexOf(LFLF, start);
    bodyStart = headerEnd + 2;
    if (headerEnd < 0) {
      if (!datagram) throw new SipParseError(400, 'Header Block Not Terminated');
      headerEnd = bodyStart = data.length;
    }
  }
  const text = data.toString('utf8', start, headerEnd);

  let lineEnd = text.indexOf('\n');
  const firstLine = stripCr(lineEnd < 0 ? text : text.slice(0, lineEnd));
  const msg = parseStartLine(firstLine);
  const headers = parseHeaderLines(text, lineEnd < 0 ? text.length : lineEnd + 1, limits.maxHeaders ?? DEFAULT_MAX_HEADERS, msg);
  msg.headers = headers;
  if (deferredError !== undefined) {
    const late = deferredError;
    deferredError = undefined;
    throw new SipParseError(late[0], late[1], msg);
  }

  // Body by Content-Length (parseHeaderLines counted the Content-Length lines).
  const clCount = scanClCount;
  const clText = clCount > 0 ? scanClHeader?.value : undefined;
  let bodyEnd = data.length;
  if (clCount > 1 && !allCl(headers, clText!)) throw new SipParseError(400, 'Conflicting Content-Length Headers', msg, true);
  if (clText !== undefined) {
    const cl = parseDigits(clText);
    if (cl < 0) throw new SipParseError(400, 'Bad Content-Length', msg, true);
    if (cl > maxBytes) throw new SipParseError(413, 'Message Too Large', msg, true);
    if (bodyStart + cl > data.length) {
      throw new SipParseError(400, datagram ? 'Content-Length Exceeds Datagram' : 'Truncated Body', msg, true);
    }
    bodyEnd = bodyStart + cl;
  } else if (!datagram) {
    bodyEnd = bodyStart;
  }
  msg.body = bodyStart < bodyEnd ? data.subarray(bodyStart, bodyEnd) : EMPTY_BODY;
  msg.raw = bodyEnd === data.length ? data : data.subarray(0, bodyEnd);
  return msg;
}

const EMPTY_BODY = Buffer.alloc(0);

/** 1–10 decimal digits (surrounding spaces allowed) → the number, else -1. */
function parseDigits(text: string): number {
  let i = 0;
  let e = text.length;
  while (i < e && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  while (e > i && (text.charCodeAt(e - 1) === 32 || text.charCodeAt(e - 1) === 9)) e--;
  if (e === i || e - i > 10) return -1;
  let n = 0;
  for (let k = i; k < e; k++) {
    const c = text.charCodeAt(k);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

function isDigit3(s: string, at: number): boolean {
  for (let i = at; i < at + 3; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * A start-line refusal waiting until the headers are read (set by parseStartLine, taken by
 * parseMessage in the same synchronous call).
 */
let deferredError: [number, string] | undefined;

/** Content-Length lines seen by the last parseHeaderLines (count and first value). */
let scanClCount = 0;
let scanClHeader: SipHeader | undefined;

function stripCr(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

function allCl(headers: SipHeader[], value: string): boolean {
  const v = value.trim();
  return headers.every((h) => h.name !== 'content-length' || h.value.trim() === v);
}

function parseStartLine(line: string): SipMessage {
  if (line.startsWith('SIP/')) {
    // `SIP/2.0 200 OK`: fast path for the one version there is, the regex for anything odd.
    let status: number;
    let reason: string;
    const c = line.charCodeAt(11);
    if (line.startsWith('SIP/2.0 ') && (line.length === 11 || c === 32) && isDigit3(line, 8)) {
      status = (line.charCodeAt(8) - 48) * 100 + (line.charCodeAt(9) - 48) * 10 + (line.charCodeAt(10) - 48);
      reason = line.length > 12 ? line.slice(12) : '';
    } else {
      const m = /^SIP\/(\d+\.\d+) (\d{3}) (.*)$/.exec(line);
      if (!m) throw new SipParseError(400, 'Bad Status Line');
      if (m[1] !== '2.0') throw new SipParseError(505, 'Version Not Supported');
      status = Number(m[2]);
      reason = m[3]!;
    }
    if (status < 100 || status > 699) throw new SipParseError(400, 'Bad Status Code');
    return new SipResponse(status, reason);
  }
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0 || sp2 === sp1 + 1) {
    // Extra or missing spaces (RFC 4475 lwsstart, lwsruri, trws): refuse it, but read the
    // headers first so the 400 can be addressed, when the line still looks like a request.
    const method = sp1 > 0 ? line.slice(0, sp1) : '';
    if (isToken(method) && /\sSIP\/\d+\.\d+\s*$/i.test(line)) {
      const req = new SipRequest(method, line.slice(sp1 + 1).trim());
      deferredError = [400, 'Bad Request Line'];
      return req;
    }
    throw new SipParseError(400, 'Bad Request Line');
  }
  const method = line.slice(0, sp1);
  const uri = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  if (!isToken(method)) throw new SipParseError(400, 'Bad Method');
  if (version !== 'SIP/2.0' && !/^SIP\/\d+\.\d+$/i.test(version)) throw new SipParseError(400, 'Bad Request Line');
  const req = new SipRequest(method, uri);
  // Checked after the headers are read, so the 505 can be addressed (RFC 4475 badvers).
  if (version.toUpperCase() !== 'SIP/2.0') deferredError = [505, 'Version Not Supported'];
  return req;
}

/**
 * Header names as phones commonly write them, found by length and a startsWith check so the
 * common case allocates no name string at all. Anything else goes through the bounded cache.
 */
const COMMON_NAMES = [
  'Via', 'v', 'From', 'f', 'To', 't', 'Call-ID', 'Call-Id', 'i', 'CSeq', 'Cseq', 'Contact', 'm', 'Max-Forwards',
  'Content-Type', 'c', 'Content-Length', 'l', 'User-Agent', 'Allow', 'Supported', 'k', 'Require', 'Allow-Events', 'u',
  'Expires', 'Authorization', 'Proxy-Authorization', 'WWW-Authenticate', 'Proxy-Authenticate', 'Record-Route', 'Route',
  'Server', 'Accept', 'Privacy', 'P-Preferred-Identity', 'P-Asserted-Identity', 'Remote-Party-ID', 'Session-Expires', 'x',
  'Min-SE', 'Event', 'o', 'Subscription-State', 'Refer-To', 'r', 'Referred-By', 'b', 'Replaces', 'Date', 'Subject', 's',
  'Reason', 'Accept-Language', 'Accept-Encoding', 'Content-Disposition', 'Timestamp', 'Organization', 'Path', 'RSeq', 'RAck',
  'via', 'from', 'to', 'call-id', 'cseq', 'contact', 'max-forwards', 'content-type', 'content-length', 'user-agent', 'allow',
  'supported', 'expires', 'authorization', 'route', 'record-route',
];
/** Candidates by name length and first character: almost always one startsWith to check. */
const BY_LENGTH: Array<Array<Array<[written: string, key: string]> | undefined>> = [];
for (const w of COMMON_NAMES) ((BY_LENGTH[w.length] ??= [])[w.charCodeAt(0) & 127] ??= []).push([w, internKey(canonicalHeaderName(w))]);

const CONTENT_LENGTH = internKey('content-length');

/** Written header name → canonical key, for other names already seen valid (bounded). */
const NAME_CACHE = new Map<string, string>();
const NAME_CACHE_MAX = 2048;

function canonicalName(written: string, msg: SipMessage): string {
  const cached = NAME_CACHE.get(written);
  if (cached !== undefined) return cached;
  if (!isToken(written)) throw new SipParseError(400, 'Malformed Header Name', msg);
  const key = internKey(canonicalHeaderName(written));
  if (NAME_CACHE.size < NAME_CACHE_MAX) NAME_CACHE.set(written, key);
  return key;
}

function parseHeaderLines(text: string, pos: number, maxHeaders: number, msg: SipMessage): SipHeader[] {
  const headers: SipHeader[] = [];
  scanClCount = 0;
  scanClHeader = undefined;
  let last: SipHeader | undefined;
  const len = text.length;
  while (pos < len) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = len;
    let end = nl;
    if (end > pos && text.charCodeAt(end - 1) === 13) end--;
    const start = pos;
    pos = nl + 1;
    if (end === start) continue;
    const c0 = text.charCodeAt(start);
    if (c0 === 32 || c0 === 9) {
      // Folded continuation (LWS = [*WSP CRLF] 1*WSP): joins the previous value with one space.
      if (!last) throw new SipParseError(400, 'Continuation Without Header', msg);
      const more = text.slice(start, end).trim();
      last.value = last.value.length === 0 ? more : more.length === 0 ? last.value : `${last.value} ${more}`;
      continue;
    }
    const colon = text.indexOf(':', start);
    if (colon <= start || colon >= end) throw new SipParseError(400, 'Malformed Header Line', msg);
    let nameEnd = colon;
    while (nameEnd > start && (text.charCodeAt(nameEnd - 1) === 32 || text.charCodeAt(nameEnd - 1) === 9)) nameEnd--;
    if (headers.length >= maxHeaders) throw new SipParseError(400, 'Too Many Headers', msg);
    let written: string | undefined;
    let name: string | undefined;
    const candidates = BY_LENGTH[nameEnd - start]?.[text.charCodeAt(start) & 127];
    if (candidates) {
      for (let k = 0; k < candidates.length; k++) {
        const cand = candidates[k]!;
        if (text.startsWith(cand[0], start)) {
          written = cand[0];
          name = cand[1];
          break;
        }
      }
    }
    if (written === undefined) {
      written = text.slice(start, nameEnd);
      name = canonicalName(written, msg);
    }
    let vs = colon + 1;
    while (vs < end && (text.charCodeAt(vs) === 32 || text.charCodeAt(vs) === 9)) vs++;
    let ve = end;
    while (ve > vs && (text.charCodeAt(ve - 1) === 32 || text.charCodeAt(ve - 1) === 9)) ve--;
    last = { name: name!, written, value: text.slice(vs, ve) };
    headers.push(last);
    if (name === CONTENT_LENGTH && scanClCount++ === 0) scanClHeader = last;
  }
  return headers;
}

/**
 * What every request must carry before a transaction or the TU sees it (RFC 3261 §8.1.1,
 * §8.2, §20): one To/From/Call-ID/CSeq each, parsable Via values, a CSeq whose method is the
 * request's, a sane Max-Forwards, parsable Contacts and a Request-URI without headers.
 * Throws SipParseError(400, reason) naming the first problem found.
 */
export function validateRequest(req: SipRequest): void {
  const bad = (reason: string): never => {
    throw new SipParseError(400, reason, req);
  };
  const ruri = req.requestUri;
  if (ruri === undefined) bad('Bad Request-URI');
  if (ruri instanceof SipUri && ruri.headers.length > 0) bad('Request-URI Must Not Carry Headers');
  checkSingles(req);
  const vias = req.vias;
  if (vias.length === 0) bad('Missing Via Header');
  for (let i = 0; i < vias.length; i++) if (vias[i] === undefined) bad('Malformed Via Header');
  if (vias[0]!.branch === 'z9hG4bK') bad('Via Branch Has Only The Magic Cookie');
  if (!req.from) bad(req.has('from') ? 'Malformed From Header' : 'Missing From Header');
  if (!req.to) bad(req.has('to') ? 'Malformed To Header' : 'Missing To Header');
  const callId = req.get('call-id');
  if (callId === undefined) bad('Missing Call-ID Header');
  if (callId!.length === 0) bad('Empty Call-ID');
  const cseq = req.cseq;
  if (!cseq) bad(req.has('cseq') ? 'Malformed CSeq Header' : 'Missing CSeq Header');
  if (cseq!.method !== req.method) bad('CSeq Method Does Not Match');
  const mf = req.get('max-forwards');
  if (mf !== undefined && req.maxForwards === undefined) bad('Malformed Max-Forwards Header');
  const contacts = req.contacts;
  for (let i = 0; i < contacts.length; i++) if (contacts[i] === undefined) bad('Malformed Contact Header');
}

/** A response worth matching to a transaction: a parsable top Via and CSeq. Else throws. */
export function validateResponse(res: SipResponse): void {
  const vias = res.vias;
  if (vias.length === 0 || vias[0] === undefined) throw new SipParseError(400, 'Malformed Via Header', res);
  if (!res.cseq) throw new SipParseError(400, 'Malformed CSeq Header', res);
  checkSingles(res);
}

const HEADER_LABEL: Record<string, string> = {
  via: 'Via', from: 'From', to: 'To', 'call-id': 'Call-ID', cseq: 'CSeq',
  'max-forwards': 'Max-Forwards', 'content-length': 'Content-Length', 'content-type': 'Content-Type', expires: 'Expires',
};

function checkSingles(msg: SipMessage): void {
  // Fast path: count lines of single-value headers; compare values only when one repeats.
  const hs = msg.headers;
  let seen = 0;
  let repeated = false;
  for (let i = 0; i < hs.length; i++) {
    const bit = SINGLE_BITS[hs[i]!.name];
    if (bit === undefined) continue;
    if (seen & bit) repeated = true;
    seen |= bit;
  }
  if (!repeated) return;
  const values = new Map<string, string>();
  for (const h of hs) {
    if (SINGLE_BITS[h.name] === undefined) continue;
    const prev = values.get(h.name);
    if (prev === undefined) values.set(h.name, h.value);
    else if (prev !== h.value) throw new SipParseError(400, `Duplicate ${HEADER_LABEL[h.name] ?? h.name} Header`, msg);
  }
}

const SINGLE_BITS: Record<string, number | undefined> = Object.create(null);
[...SINGLE_VALUE_HEADERS].forEach((name, i) => {
  SINGLE_BITS[name] = 1 << i;
});
