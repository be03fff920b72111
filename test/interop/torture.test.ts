// The RFC 4475 / RFC 5118 torture messages and garbage, replayed over real sockets at the real
// switch inside `unshare -n` (a network namespace with only loopback: a hostile message can
// make nothing leave the machine). The driver prints what came back; the assertions are here.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INTEROP_REQUIRED, ROOT, peerAvailable, run } from './harness.js';

const canUnshare = peerAvailable('unshare') && peerAvailable('ip') && spawnSync('unshare', ['-n', 'true']).status === 0;
if (!canUnshare && INTEROP_REQUIRED) throw new Error('unshare -n is required for the torture suite (run as root)');

interface Entry { name: string; kind: 'request' | 'response'; validity: 'valid' | 'invalid'; suggested_outcome: string }
const corpus: Entry[] = ['rfc4475', 'rfc5118'].flatMap((dir) =>
  (JSON.parse(readFileSync(join(ROOT, '..', 'shared', 'testdata', dir, 'index.json'), 'utf8')) as { messages: Entry[] }).messages);

/** Invalid messages a liberal parser may accept, and we do. */
const LENIENT = new Set(['baddate', 'badaspec']);

describe.skipIf(!canUnshare)('torture messages and garbage over sockets (unshare -n)', () => {
  let results: {
    udp: Record<string, Array<number | string>>;
    tcp: Record<string, { statuses: Array<number | string>; closedByServer: boolean }>;
    garbage: Record<string, unknown>;
    alive: boolean;
    exitCode: number | null;
    udpPhaseExitCode: number | null;
    stderr: string;
    errorLogs: string[];
  };

  it('runs the replay without the switch crashing or logging errors', async () => {
    const res = await run('unshare', ['-n', 'sh', '-c', `ip link set lo up && exec "${process.execPath}" test/interop/torture-driver.mjs`], 170_000, ROOT);
    expect(res.code, res.stderr).toBe(0);
    results = JSON.parse(res.stdout);
    expect(results.alive).toBe(true);
    expect(results.exitCode).toBe(0);
    expect(results.udpPhaseExitCode).toBe(0);
    expect(results.stderr).toBe('');
    expect(results.errorLogs).toEqual([]);
  }, 180_000);

  it('answers every valid request as the RFC suggests, and never with 400 unless it suggests 400', () => {
    for (const m of corpus.filter((x) => x.kind === 'request' && x.validity === 'valid')) {
      const got = results.udp[m.name]!;
      const finals = got.filter((s) => typeof s === 'number' && s >= 200);
      expect(finals.length, m.name).toBeGreaterThan(0);
      const suggested = Number(m.suggested_outcome);
      // unksm2 is the one valid message a registrar refuses with 400 (its To is not a SIP URI).
      if (suggested !== 400) expect(finals, m.name).not.toContain(400);
      if (Number.isInteger(suggested)) expect(finals[0], m.name).toBe(suggested);
    }
  });

  it('refuses every invalid request with 400 (505 for a bad version), or accepts it where leniency is allowed', () => {
    for (const m of corpus.filter((x) => x.kind === 'request' && x.validity === 'invalid')) {
      const got = results.udp[m.name]!;
      if (LENIENT.has(m.name)) {
        expect(got.some((s) => typeof s === 'number' && s >= 200 && s !== 400), m.name).toBe(true);
        continue;
      }
      expect(got, m.name).toEqual([m.name === 'badvers' ? 505 : 400]);
    }
  });

  it('drops stray and malformed responses without answering', () => {
    for (const m of corpus.filter((x) => x.kind === 'response')) expect(results.udp[m.name], m.name).toEqual([]);
  });

  it('frames streams by Content-Length and closes a connection whose framing is lost', () => {
    expect(results.tcp.wsinv).toEqual({ statuses: [100, 481], closedByServer: false });
    // Two requests on one stream: the REGISTER is challenged (401), then the INVITE gets its
    // 100 Trying and a 407 challenge.
    expect(results.tcp.dblreq!.statuses).toEqual([401, 100, 407]);
    expect(results.tcp.ncl).toEqual({ statuses: [400], closedByServer: true });
    expect(results.tcp.mcl01).toEqual({ statuses: [400], closedByServer: true });
    expect(results.tcp.clerr!.statuses).toEqual([]); // waits for the rest of the body
    expect(results.tcp.badvers!.statuses).toEqual([505]);
    expect(results.tcp.insuf!.statuses).toEqual([400]);
  });

  it('survives garbage: random datagrams, NULs, absurd lengths, 1,000 Vias, slow and oversized TCP peers', () => {
    const g = results.garbage;
    expect(g.randomDatagramReplies).toBe(0);
    expect(g.nulDatagram).toEqual([]);
    expect(g.absurdLength).toEqual([400]); // 11 digits: not a Content-Length at all
    expect(g.truncated).toEqual([]);
    expect(g.oversizeHeaderClosed).toBe(true);
    expect(g.slowTcpClosedAfterMs).toBeGreaterThan(9_000);
    expect(g.slowTcpClosedAfterMs).toBeLessThan(15_000);
    expect(g.servedDuringSlowloris).toEqual([200]);
  });
});
