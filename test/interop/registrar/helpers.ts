// Shared bits of the registrar interop tests: the console run against a running switch, and
// bounded waits.
import { MAIN, run, type RunningSwitch } from '../harness.js';

/** `softswitch cli -x <cmd>` against the switch; returns stdout. */
export async function cli(sw: RunningSwitch, cmd: string): Promise<string> {
  const r = await run(process.execPath, [MAIN, 'cli', '-P', String(sw.eslPort), '-x', cmd, '--no-color'], 15_000);
  if (r.code !== 0) throw new Error(`cli -x ${cmd} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** The number in `show registrations count`. */
export async function registrationCount(sw: RunningSwitch): Promise<number> {
  const out = await cli(sw, 'show registrations count');
  const m = /^\n(\d+) total\.\n$/.exec(out);
  if (!m) throw new Error(`unexpected show registrations count output: ${JSON.stringify(out)}`);
  return Number(m[1]);
}

export async function waitUntil(cond: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
