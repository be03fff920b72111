// Replays hostile input at a real switch: the RFC 4475 and RFC 5118 torture messages over UDP
// and TCP, then garbage (random bytes, oversize datagrams, absurd Content-Length, 1,000 Via
// headers, a slow TCP sender, a never-finished header). Meant to run inside `unshare -n` (a
// network namespace with only loopback) so nothing can leave the machine; torture.test.ts
// starts it that way. Prints one JSON document with what came back, then exits.

import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { parseMessage, StreamFramer } = await import(join(ROOT, 'dist/src/sip/index.js'));
// The switch listens on 15060 so that 5060 — where RFC 3261 §18.2.2 sends responses to a Via
// without rport or port — is free for this driver to listen on.
const SIP_PORT = 15060;
const data = mkdtempSync(join(tmpdir(), 'torture-'));

const corpus = [];
for (const dir of ['rfc4475', 'rfc5118']) {
  const base = join(ROOT, '..', 'shared', 'testdata', dir);
  const index = JSON.parse(readFileSync(join(base, 'index.json'), 'utf8'));
  for (const m of index.messages) corpus.push({ name: m.name, bytes: readFileSync(join(base, m.file)) });
}
// Listen where responses without rport go: the top Via's port, 5060 by default.
const viaPorts = new Set([5060]);
for (const m of corpus) {
  for (const line of m.bytes.toString('latin1').split(/\r?\n/)) {
    const v = /^(?:via|v)\s*:.*?[\]\w.]:(\d{2,5})\s*(?:;|,|$)/i.exec(line);
    if (v) viaPorts.add(Number(v[1]));
  }
}
const viaInbox = [];
const viaListeners = [];
for (const port of viaPorts) {
  const l = dgram.createSocket('udp4');
  l.on('message', (msg) => viaInbox.push(msg));
  l.on('error', () => {});
  await new Promise((r) => l.bind(port, '127.0.0.1', r));
  viaListeners.push(l);
}
let swErr = '';
let swOut = '';
let sw = await startSwitch();

const results = { udp: {}, tcp: {}, garbage: {}, alive: false, exitCode: null, stderr: '' };

for (const m of corpus) results.udp[m.name] = answersTo(m.bytes, await udpExchange(m.bytes, 300));
// A fresh switch for the stream phase: the same branch over TCP would otherwise be a
// retransmission of the UDP transaction and be answered over UDP.
results.udpPhaseExitCode = await stopSwitch(sw);
sw = await startSwitch();
for (const name of ['wsinv', 'clerr', 'ncl', 'mcl01', 'baddn', 'dblreq', 'inv2543', 'badvers', 'insuf']) {
  const m = corpus.find((x) => x.name === name);
  results.tcp[name] = await tcpExchange(m.bytes, 1500);
}

// Garbage beyond the corpus.
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
let garbageReplies = 0;
for (let i = 0; i < 300; i++) {
  const b = Buffer.alloc(1 + Math.floor(rnd() * 1400));
  for (let j = 0; j < b.length; j++) b[j] = Math.floor(rnd() * 256);
  garbageReplies += (await udpExchange(b, 5)).length;
}
results.garbage.randomDatagramReplies = garbageReplies;
results.garbage.nulDatagram = (await udpExchange(Buffer.alloc(512, 0), 200)).map(statusOf);
results.garbage.bigDatagram = (await udpExchange(Buffer.concat([options('big').subarray(0, 200), Buffer.alloc(65000, 65)]), 300)).map(statusOf);
results.garbage.absurdLength = (await udpExchange(Buffer.from(options('cl').toString().replace('Content-Length: 0', 'Content-Length: 99999999999')), 300)).map(statusOf);
const vias = Array.from({ length: 1000 }, (_, i) => `Via: SIP/2.0/UDP 10.0.${i >> 8}.${i & 255};branch=z9hG4bKv${i}`).join('\r\n');
results.garbage.thousandVias = (await udpExchange(Buffer.from(options('vias').toString().replace('Max-Forwards: 70', `${vias}\r\nMax-Forwards: 70`)), 300)).map(statusOf);
results.garbage.truncated = (await udpExchange(options('trunc').subarray(0, 60), 300)).map(statusOf);

// A TCP peer that sends one byte at a time and never finishes, and one that sends a header
// block larger than the cap: both are cut off while a normal client keeps being served.
const slow = net.connect(SIP_PORT, '127.0.0.1');
let slowClosedAt = 0;
slow.on('close', () => (slowClosedAt = Date.now()));
slow.on('error', () => {});
const slowStart = Date.now();
const slowTimer = setInterval(() => { if (!slow.destroyed) slow.write('X'); }, 500);
const hog = net.connect(SIP_PORT, '127.0.0.1');
let hogClosed = false;
hog.on('close', () => (hogClosed = true));
hog.on('error', () => {});
hog.write(`OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nX-Long: ${'a'.repeat(70_000)}`);
const during = (await udpExchange(options('during-slowloris'), 500)).map(statusOf);
await waitFor(async () => slowClosedAt > 0, 20_000).catch(() => {});
clearInterval(slowTimer);
results.garbage.slowTcpClosedAfterMs = slowClosedAt ? slowClosedAt - slowStart : null;
results.garbage.oversizeHeaderClosed = hogClosed;
results.garbage.servedDuringSlowloris = during;

results.alive = (await udpExchange(options('final-probe'), 1000)).map(statusOf).includes(200) && sw.exitCode === null;
results.exitCode = await stopSwitch(sw);
results.stderr = swErr;
results.errorLogs = swOut.split('\n').filter((l) => l.includes('"level":50') || l.includes('"level":60'));
rmSync(data, { recursive: true, force: true });
for (const l of viaListeners) l.close();
process.stdout.write(JSON.stringify(results));

async function startSwitch() {
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'start', '--conf', join(ROOT, 'conf'), '--data', data,
    '--var', 'local_ip_v4=127.0.0.1', '--var', `internal_sip_port=${SIP_PORT}`, '--var', 'external_sip_port=15080', '--var', 'event_socket_port=8021',
    '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.on('data', (c) => (swErr += c));
  child.stdout.on('data', (c) => (swOut += c));
  await waitFor(async () => (await udpExchange(options('ready-probe'), 300)).length > 0, 15_000);
  return child;
}

function stopSwitch(child) {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  child.kill('SIGTERM');
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

/** Statuses of the responses that belong to `sent` (same Call-ID), in arrival order. */
function answersTo(sent, replies) {
  const m = /^(?:call-id|i)[ \t]*:[ \t]*(.*?)[ \t]*$/im.exec(sent.toString('latin1'));
  const callId = m ? m[1] : undefined;
  const out = [];
  for (const r of replies) {
    const rm = /^(?:call-id|i)[ \t]*:[ \t]*(.*?)[ \t]*$/im.exec(r.toString('latin1'));
    if ((rm ? rm[1] : undefined) === callId) out.push(statusOf(r));
  }
  return out;
}

function options(tag) {
  return Buffer.from([
    `OPTIONS sip:probe@127.0.0.1:${SIP_PORT} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK${tag}${Math.random().toString(36).slice(2)};rport`,
    `From: <sip:probe@127.0.0.1>;tag=${tag}`, `To: <sip:probe@127.0.0.1>`, `Call-ID: ${tag}-${Math.random()}`, 'CSeq: 1 OPTIONS',
    'Max-Forwards: 70', 'Content-Length: 0', '', ''].join('\r\n'));
}

function statusOf(buf) {
  try {
    const m = parseMessage(buf);
    return m.kind === 'response' ? m.status : `request:${m.method}`;
  } catch {
    return 'unparsable';
  }
}

function udpExchange(bytes, waitMs) {
  viaInbox.length = 0;
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const got = viaInbox;
    s.on('message', (m) => got.push(m));
    s.on('error', () => {});
    s.bind(0, '127.0.0.1', () => {
      s.send(bytes, SIP_PORT, '127.0.0.1', () => {});
      setTimeout(() => { s.close(); resolve([...got]); }, waitMs);
    });
  });
}

function tcpExchange(bytes, waitMs) {
  return new Promise((resolve) => {
    const s = net.connect(SIP_PORT, '127.0.0.1');
    const framer = new StreamFramer();
    const statuses = [];
    let closed = false;
    s.on('data', (d) => { for (const ev of framer.push(d)) if (ev.kind === 'message') statuses.push(statusOf(ev.data)); });
    s.on('close', () => (closed = true));
    s.on('error', () => {});
    s.on('connect', () => s.write(bytes));
    setTimeout(() => { s.destroy(); resolve({ statuses, closedByServer: closed }); }, waitMs);
  });
}

async function waitFor(check, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out');
}
