// `softswitch cli` (runCli) against the in-process event socket: -x mode and interactive mode.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatVersionLine } from '../../../src/api/index.js';
import { registerCliCommand, runCli } from '../../../src/cli/console.js';
import { NullSink, startTestSwitch, type TestSwitch } from './harness.js';

const STATUS = /^UP \d+ years, \d+ days?, \d+ hours?, \d+ minutes?, \d+ seconds?, \d+ milliseconds?, \d+ microseconds?\nsoftswitch \(Version [^)]+\) is ready\n0 session\(s\) since startup\n0 session\(s\) - peak 0, last 5min 0 \n0 session\(s\) per Sec out of max 30, peak 0, last 5min 0 \n1000 session\(s\) max\nmin idle cpu 0\.00\/\d+\.\d\d\n/;

function io() {
  const out = new NullSink();
  const err = new NullSink();
  return { out, err, text: () => out.lines.join(''), errText: () => err.lines.join('') };
}

describe('softswitch cli', () => {
  let sw: TestSwitch;
  beforeAll(async () => {
    sw = await startTestSwitch();
  });
  afterAll(async () => {
    await sw.close();
  });

  it('prints status for -x status and exits 0', async () => {
    const o = io();
    const code = await runCli({ port: sw.port, execute: 'status' }, { stdout: o.out, stderr: o.err });
    expect(code).toBe(0);
    expect(o.text()).toMatch(new RegExp(`${STATUS.source}$`));
    expect(o.errText()).toBe('');
  });

  it('runs each ;;-separated command in turn for -x "status;;version"', async () => {
    const o = io();
    const code = await runCli({ port: sw.port, execute: 'status;;version' }, { stdout: o.out, stderr: o.err });
    expect(code).toBe(0);
    expect(o.text()).toMatch(new RegExp(`${STATUS.source}${formatVersionLine().replace(/[()~.]/g, '\\$&')}\\n$`));
  });

  it('exits 1 when a reply starts with -ERR', async () => {
    const o = io();
    expect(await runCli({ port: sw.port, execute: 'version;;no_such_thing' }, { stdout: o.out, stderr: o.err })).toBe(1);
    expect(o.text()).toContain('-ERR no_such_thing Command not found!\n');
  });

  it('exits 1 with a message on stderr for a wrong password or a closed port', async () => {
    const a = io();
    expect(await runCli({ port: sw.port, password: 'nope', execute: 'status' }, { stdout: a.out, stderr: a.err })).toBe(1);
    expect(a.errText()).toMatch(/authentication failed: -ERR invalid/);
    const b = io();
    expect(await runCli({ port: 1, execute: 'status', connectTimeout: 2000 }, { stdout: b.out, stderr: b.err })).toBe(1);
    expect(b.errText()).toMatch(/cannot connect to 127\.0\.0\.1:1/);
  });

  it('takes fs_cli flags through the cli sub-command', async () => {
    const program = new Command().exitOverride();
    let seen: Record<string, unknown> = {};
    const cmd = registerCliCommand(program);
    cmd.action((opts: Record<string, unknown>) => {
      seen = opts;
    });
    await program.parseAsync(['node', 'softswitch', 'cli', '-H', '10.0.0.5', '-P', '8022', '-p', 'secret', '-x', 'status', '-t', '500', '--no-color', '-q']);
    expect(seen).toMatchObject({ host: '10.0.0.5', port: 8022, password: 'secret', execute: 'status', timeout: 500, color: false, quiet: true, logLevel: 'debug' });
  });

  it('runs typed commands interactively, streams logs and leaves on /exit', async () => {
    const o = io();
    const stdin = new PassThrough();
    const done = runCli({ port: sw.port, logLevel: 'info' }, { stdin, stdout: o.out, stderr: o.err, historyFile: null });
    const waitFor = async (want: string | RegExp) => {
      const seen = () => (typeof want === 'string' ? o.text().includes(want) : want.test(o.text()));
      for (let i = 0; i < 200 && !seen(); i++) await new Promise((r) => setTimeout(r, 10));
      return o.text();
    };
    await waitFor('softswitch@test-switch> ');
    stdin.write('version short\n');
    // Piped stdin is not echoed: the answer follows the prompt.
    expect(await waitFor(/> \d+\.\d+\.\d+\n/)).toMatch(/softswitch@test-switch> \d+\.\d+\.\d+\n/);
    sw.logger.child({ mod: 'cli.test' }).info('a line for the console');
    expect(await waitFor('a line for the console')).toMatch(/\[INFO\] cli\.test a line for the console\n/);
    stdin.write('/log 3\n');
    expect(await waitFor('+OK log level 3 [3]')).toContain('+OK log level 3 [3]\n');
    stdin.write('/frobnicate\n');
    await waitFor('Unknown command [/frobnicate]');
    stdin.write('/exit\n');
    expect(await done).toBe(0);
    expect(o.errText()).toBe('');
  });

  it('keeps a bounded history file when run on a terminal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'softswitch-cli-'));
    try {
      const file = join(dir, 'history');
      const o = io();
      const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => stdin });
      const stdout = Object.assign(o.out, { isTTY: true, columns: 80, rows: 24 });
      const done = runCli({ port: sw.port, quiet: true, color: false }, { stdin, stdout, stderr: o.err, historyFile: file });
      for (let i = 0; i < 200 && !o.text().includes('softswitch@'); i++) await new Promise((r) => setTimeout(r, 10));
      stdin.write('version short\r');
      for (let i = 0; i < 200 && !/\d+\.\d+\.\d+/.test(o.text()); i++) await new Promise((r) => setTimeout(r, 10));
      stdin.write('/exit\r');
      expect(await done).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe('version short\n/exit\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
