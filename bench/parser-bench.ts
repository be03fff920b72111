// Parser + serializer throughput on realistic messages (a Grandstream INVITE with SDP, a
// REGISTER with digest credentials, a Linphone 200 OK), beside the pure-JS SIP parsers that
// install here (`sip`, `drachtio-sip`), same messages, same run, same fields extracted:
// method or status, Request-URI user and host, top Via branch, From and To tags, Call-ID,
// CSeq number and method, Contact URI, body length.

import { readFileSync } from 'node:fs';
import sip from 'sip';
import drachtio from 'drachtio-sip';
import { parseMessage, serialize, SipUri, validateRequest, type SipMessage } from '../src/sip/index.js';
import { conditions, fmt, summarize, writeSection } from './results.js';

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/sip/${name}`, import.meta.url));
const MESSAGES = [
  ['INVITE with SDP', fixture('invite-grandstream.sip')],
  ['REGISTER with Authorization', fixture('register-grandstream.sip')],
  ['200 OK with SDP', fixture('ok-linphone.sip')],
] as const;

let sink = 0; // keeps the JIT from dropping the work

/** Parse and extract the common fields: what the peers do. */
function ours(buf: Buffer): SipMessage {
  return extract(parseMessage(buf));
}

/** What the switch does on every request before a transaction sees it: parse, validate, extract. */
function oursValidated(buf: Buffer): SipMessage {
  const m = parseMessage(buf);
  if (m.kind === 'request') validateRequest(m);
  return extract(m);
}

function extract(m: SipMessage): SipMessage {
  if (m.kind === 'request') {
    const u = m.requestUri as SipUri;
    sink += u.host.length + (u.user?.length ?? 0) + m.method.length;
  } else sink += m.status;
  sink += (m.topVia?.branch?.length ?? 0) + (m.fromTag?.length ?? 0) + (m.toTag?.length ?? 0) + m.callId.length;
  sink += m.cseq!.seq + m.cseq!.method.length + (m.contact?.uri.length ?? 0) + m.body.length;
  return m;
}

function sipPkg(buf: Buffer): any {
  const m = sip.parse(buf);
  if (m.method) {
    const u = sip.parseUri(m.uri);
    sink += u.host.length + (u.user?.length ?? 0) + m.method.length;
  } else sink += m.status;
  const h = m.headers;
  sink += (h.via[0].params.branch?.length ?? 0) + (h.from.params.tag?.length ?? 0) + (h.to.params.tag?.length ?? 0) + h['call-id'].length;
  sink += h.cseq.seq + h.cseq.method.length + (h.contact?.[0]?.uri.length ?? 0) + (m.content?.length ?? 0);
  return m;
}

function drachtioPkg(buf: Buffer): any {
  const m = new drachtio.SipMessage(buf.toString('utf8'));
  if (m.method) {
    const u = drachtio.parser.parseUri(m.uri);
    sink += u.host.length + (u.user?.length ?? 0) + m.method.length;
  } else sink += m.status;
  const via = m.getParsedHeader('via');
  const from = m.getParsedHeader('from');
  const to = m.getParsedHeader('to');
  const cseq = m.getParsedHeader('cseq');
  const contact = m.getParsedHeader('contact');
  sink += (via[0].params.branch?.length ?? 0) + (from.params.tag?.length ?? 0) + (to.params?.tag?.length ?? 0) + m.get('call-id').length;
  sink += cseq.seq + cseq.method.length + (contact?.[0]?.uri.length ?? 0) + (m.body?.length ?? 0);
  return m;
}

/** Run `fn` repeatedly for `ms`, return operations per second. */
function rate(fn: () => void, ms: number): number {
  const end = performance.now() + ms;
  let n = 0;
  let now = performance.now();
  while (now < end) {
    for (let i = 0; i < 200; i++) fn();
    n += 200;
    now = performance.now();
  }
  return n / ((ms + (now - end)) / 1000);
}

/**
 * Measure several functions with their samples interleaved (a, b, c, a, b, c …), so that a
 * noisy machine slows every contender alike instead of whichever ran during the noise.
 */
function measureAll(fns: Record<string, () => void>, samples = 9, ms = 400): Record<string, { median: number; spread: number }> {
  for (const fn of Object.values(fns)) rate(fn, 300); // warm-up
  const xs: Record<string, number[]> = {};
  for (let i = 0; i < samples; i++) for (const [k, fn] of Object.entries(fns)) (xs[k] ??= []).push(rate(fn, ms));
  return Object.fromEntries(Object.entries(xs).map(([k, v]) => [k, summarize(v)]));
}

const rows: string[] = [];
const ratios: number[] = [];
const validatedRatios: number[] = [];
for (const [label, buf] of MESSAGES) {
  const results = {
    ...measureAll({ ours: () => ours(buf), oursValidated: () => oursValidated(buf), sip: () => sipPkg(buf), drachtio: () => drachtioPkg(buf) }),
    ...Object.fromEntries(Object.entries(measureAll({
      ours: () => serialize(ours(buf)),
      sip: () => sip.stringify(sipPkg(buf)),
      drachtio: () => drachtioPkg(buf).toString(),
    })).map(([k, v]) => [`${k}RoundTrip`, v])),
  } as Record<'ours' | 'oursValidated' | 'sip' | 'drachtio' | 'oursRoundTrip' | 'sipRoundTrip' | 'drachtioRoundTrip', { median: number; spread: number }>;
  const fastestPeer = Math.max(results.sip.median, results.drachtio.median);
  const fastestPeerRt = Math.max(results.sipRoundTrip.median, results.drachtioRoundTrip.median);
  ratios.push(results.ours.median / fastestPeer, results.oursRoundTrip.median / fastestPeerRt);
  const cell = (r: { median: number; spread: number }) => `${fmt(r.median)} (±${(r.spread * 50).toFixed(0)}%)`;
  validatedRatios.push(results.oursValidated.median / fastestPeer);
  rows.push(`| ${label} | parse | ${cell(results.ours)} | ${cell(results.sip)} | ${cell(results.drachtio)} | ${(results.ours.median / fastestPeer).toFixed(2)}× |`);
  rows.push(`| ${label} | parse + validate (ours only) | ${cell(results.oursValidated)} | — | — | ${(results.oursValidated.median / fastestPeer).toFixed(2)}× |`);
  rows.push(`| ${label} | parse + serialize | ${cell(results.oursRoundTrip)} | ${cell(results.sipRoundTrip)} | ${cell(results.drachtioRoundTrip)} | ${(results.oursRoundTrip.median / fastestPeerRt).toFixed(2)}× |`);
}

const md = `## SIP parser and serializer (messages/s, one core)

${conditions()}. Median of 9 samples of 400 ms after a 300 ms warm-up, the contenders' samples
interleaved; ± is half the spread between the slowest and fastest sample. Every parser extracts the same fields (method/status,
Request-URI user and host, top Via branch, From/To tags, Call-ID, CSeq, Contact URI, body).
The "parse + validate" row adds what the switch also does on every request and the peers do
not: every Via and Contact value parsed, mandatory headers, duplicates, CSeq method, Max-Forwards.
Peers: \`sip\` 0.0.6 and \`drachtio-sip\` 0.6.3 from npm. Target: at least 2× the fastest peer.

| message | work | ours | sip | drachtio-sip | ours ÷ fastest peer |
|---|---|---:|---:|---:|---:|
${rows.join('\n')}

Lowest ratio in this run, same work as the peers: **${Math.min(...ratios).toFixed(2)}×**; with our
validation on top: ${Math.min(...validatedRatios).toFixed(2)}×.`;

writeSection('parser', md);
console.log(md);
if (sink === 42) console.log('');
