// 1,000 calls whose ends race each other (issue 5, bad input), 100 new calls a second: each
// picks one of five endings at random (see uac-invite-auth-race-cancel-or-bye.xml) — a CANCEL
// while the callee only rings, a CANCEL that crosses the callee's immediate 200 (the switch
// then ACKs and BYEs the callee, and the caller gets 487 or a 200 it ACKs and BYEs), a BYE
// from either side the moment the call is up (the callee's may reach the switch before the
// caller's ACK), and BYEs from both at once. Both SIPp sides must end every call cleanly,
// and afterwards nothing may be left: no call, no channel, no session in `status`, a CDR line
// per call, and a process that idles (no timer still spinning).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIOS, freePort, peerAvailable, startSwitch, type RunningSwitch } from '../harness.js';
import { PASSWORD, cdrLines, cli, confCopy, count, startCallee, waitIdle, waitUntil } from './helpers.js';

const hasSipp = peerAvailable('sipp');
const CALLS = 1000;
const RATE = 100;

/** utime + stime of a process, in clock ticks (/proc/<pid>/stat fields 14 and 15). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

describe.skipIf(!hasSipp)('1,000 CANCEL/BYE races', () => {
  let sw: RunningSwitch;
  let conf: ReturnType<typeof confCopy>;
  beforeAll(async () => {
    // The shipped limits (1,000 sessions, 30 new per second) would refuse most of this burst.
    conf = confCopy({
      'autoload_configs/switch.conf.xml': (t) =>
        t.replace('name="max-sessions" value="1000"', 'name="max-sessions" value="10000"').replace('name="sessions-per-second" value="30"', 'name="sessions-per-second" value="2000"'),
    });
    sw = await startSwitch({ confDir: conf.dir, vars: { auth_fail_ban_count: '0' } });
  });
  afterAll(async () => {
    expect(await sw.stop()).toBe(0);
    conf.remove();
  });

  it('leave no call, no channel and no running timer behind, and every call ends cleanly on both sides', async () => {
    const callee = await startCallee(sw, 'uas-race-answer-or-cancel.xml');
    const dir = mkdtempSync(join(tmpdir(), 'sipp-race-'));
    let out = '';
    try {
      const cdrBefore = cdrLines(sw).length;
      const port = await freePort();
      const args = [
        '-sf', join(SCENARIOS, 'uac-invite-auth-race-cancel-or-bye.xml'), `127.0.0.1:${sw.internalPort}`, '-s', '1000', '-au', '1001', '-ap', PASSWORD,
        '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(port), '-r', String(RATE), '-m', String(CALLS), '-l', String(CALLS),
        '-nostdin', '-timeout', '60s', '-timeout_error', '-trace_stat', '-stf', join(dir, 'stats.csv'), '-fd', '1',
        '-trace_err', '-error_file', join(dir, 'errors.log'),
      ];
      const child = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (out += c));
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      if (code !== 0 && code !== 1) throw new Error(`SIPp exited ${code}: ${out.slice(-3000)}`);
      const lines = readFileSync(join(dir, 'stats.csv'), 'utf8').trim().split('\n');
      const head = lines[0]!.split(';');
      const last = lines.at(-1)!.split(';');
      const col = (name: string) => Number(last[head.indexOf(name)]);
      const errors = (() => {
        try {
          return readFileSync(join(dir, 'errors.log'), 'utf8');
        } catch {
          return '';
        }
      })();
      expect({ code, ok: col('SuccessfulCall(C)'), failed: col('FailedCall(C)') }, `${out.slice(-3000)}\n${errors.slice(0, 3000)}`).toEqual({ code: 0, ok: CALLS, failed: 0 });

      // Every call ended on the switch: no channel, no call, no session, a CDR line for each.
      await waitIdle(sw, 30_000);
      expect(await count(sw, 'calls')).toBe(0);
      expect(await count(sw, 'channels')).toBe(0);
      expect(await cli(sw, 'status')).toMatch(/\n0 session\(s\) - peak \d+/);
      await waitUntil(() => cdrLines(sw).length - cdrBefore >= CALLS, 15_000, 'a CDR line per call');
      const causes = new Map<string, number>();
      for (const l of cdrLines(sw).slice(cdrBefore)) causes.set(l.hangupCause, (causes.get(l.hangupCause) ?? 0) + 1);
      expect(cdrLines(sw).length - cdrBefore).toBe(CALLS);
      expect([...causes.keys()].sort(), JSON.stringify([...causes])).toEqual(['NORMAL_CLEARING', 'ORIGINATOR_CANCEL']);

      // The callee's side ended every call too (its SIPp logs an error for any it could not).
      expect(callee.exitCode(), callee.output().slice(-2000)).toBeNull();
      expect(callee.errors().slice(0, 3000)).toBe('');

      // Idle means idle: over two seconds the process uses almost no CPU (no timer left spinning).
      const t0 = cpuTicks(sw.process.pid!);
      await new Promise((r) => setTimeout(r, 2000));
      expect(cpuTicks(sw.process.pid!) - t0).toBeLessThan(20); // < 10 % of one core (100 ticks/s)
    } finally {
      await callee.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
