// sipvicious against both profiles of the shipped configuration: svmap finds a SIP device (it
// is one) and learns only its user agent; svwar, scanning 1000-1010 with REGISTER, INVITE and
// OPTIONS, finds no extension on either profile — every one is answered exactly like a number
// that does not exist (the internal profile challenges all alike, the trunk profile refuses all
// alike, OPTIONS is the same 200 for everyone).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, peerAvailable, run, startSwitch, type RunningSwitch } from '../harness.js';
import { TEST_PASSWORD } from './helpers.js';

const hasSipvicious = peerAvailable('svwar') && peerAvailable('svmap');

describe.skipIf(!hasSipvicious)('sipvicious learns nothing it should not', () => {
  let sw: RunningSwitch;
  let home: string;
  beforeAll(async () => {
    sw = await startSwitch({ vars: { default_password: TEST_PASSWORD } });
    home = mkdtempSync(join(tmpdir(), 'sipvicious-home-'));
  });
  afterAll(async () => {
    if (sw) expect(await sw.stop()).toBe(0);
    rmSync(home, { recursive: true, force: true });
  });

  /** Run a sipvicious tool with its own HOME and a free source port (it binds 5060 otherwise). */
  async function tool(name: 'svmap' | 'svwar', args: string[]): Promise<string> {
    const r = await run('env', [`HOME=${home}`, name, '-P', String(await freePort()), ...args], 90_000);
    return `${r.stdout}\n${r.stderr}`;
  }

  const profiles = () => [['internal', sw.internalPort], ['external', sw.externalPort]] as const;

  it('svmap sees a SIP device on each profile and nothing but its user agent', async () => {
    for (const [, port] of profiles()) {
      const out = await tool('svmap', [`-p${port}`, '127.0.0.1']);
      const rows = out.split('\n').filter((l) => l.startsWith('| 127.0.0.1'));
      expect(rows, out).toHaveLength(1);
      expect(rows[0]).toMatch(new RegExp(`^\\| 127\\.0\\.0\\.1:${port}\\s+\\| softswitch/\\d+\\.\\d+\\.\\d+\\s+\\|$`));
    }
  });

  it.each(['REGISTER', 'INVITE', 'OPTIONS'])('svwar -m %s finds none of the extensions 1000-1010 on either profile', async (method) => {
    for (const [name, port] of profiles()) {
      const out = await tool('svwar', ['-e1000-1010', '-m', method, `-p${port}`, '127.0.0.1']);
      expect(out, `${name} ${method}: svwar did not finish its scan`).toMatch(/found nothing|\| Extension +\| Authentication/);
      const found = out.split('\n').filter((l) => /^\|\s*\d+\s*\|/.test(l)).map((l) => l.split('|')[1]!.trim());
      expect(found.filter((e) => /^10(0\d|10)$/.test(e)), `${name} ${method}:\n${out}`).toEqual([]);
    }
  });
});
