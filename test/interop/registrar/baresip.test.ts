// baresip (a real softphone) registers 1001 to the switch: the result appears on its stdout as
// `200 OK … [1 binding]`, and `softswitch cli -x "sofia status profile internal reg"` lists it
// with baresip's User-Agent. When baresip quits it unregisters and the listing empties.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, peerAvailable, startSwitch, type RunningSwitch } from '../harness.js';
import { cli, waitUntil } from './helpers.js';

const hasBaresip = peerAvailable('baresip');

describe.skipIf(!hasBaresip)('baresip registers to the switch', () => {
  let sw: RunningSwitch;
  let dir: string;
  beforeAll(async () => {
    sw = await startSwitch();
    dir = mkdtempSync(join(tmpdir(), 'baresip-'));
  });
  afterAll(async () => {
    expect(await sw.stop()).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers 1001, is listed with its User-Agent, and unregisters when it quits', async () => {
    // baresip also opens TLS on the port after its SIP port (interop notes); a clash shows as a start failure below.
    const sipPort = await freePort();
    const ctrlPort = await freePort();
    writeFileSync(
      join(dir, 'config'),
      [
        `sip_listen 127.0.0.1:${sipPort}`,
        'net_interface 127.0.0.1',
        'module_path /usr/lib/baresip/modules',
        'module g711.so',
        'module ausine.so',
        'module account.so',
        'module menu.so',
        'module ctrl_tcp.so',
        `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
        'audio_source ausine,440',
        'audio_player none',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'accounts'),
      `<sip:1001@127.0.0.1>;auth_pass=1234;outbound="sip:127.0.0.1:${sw.internalPort};transport=udp";answermode=manual;audio_codecs=PCMU,PCMA;regint=600\n`,
    );
    writeFileSync(join(dir, 'contacts'), '');
    const child = spawn('baresip', ['-f', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      await waitUntil(() => /1001@127\.0\.0\.1: \{0\/UDP\/v4\} 200 OK \(softswitch\/[^)]+\) \[1 binding\]/.test(out), 15_000, `baresip's 200 OK (output so far: ${out})`);
      const reg = await cli(sw, 'sofia status profile internal reg');
      expect(reg).toContain('User:       \t1001@127.0.0.1\n');
      expect(reg).toMatch(/Agent:      \tbaresip v\d+\.\d+\.\d+/);
      expect(reg).toContain(`Port:       \t${sipPort}\n`);
      expect(reg).toMatch(/Status:     \tRegistered\(UDP\)\(unknown\) EXP\([^)]+\) EXPSECS\(\d+\)\n/);
      expect(reg).toContain('Total items returned: 1\n');
    } finally {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    // baresip unregisters (Expires: 0) on the way out.
    await waitUntil(async () => (await cli(sw, 'sofia status profile internal reg')).includes('Total items returned: 0\n'), 10_000, 'the unregistration');
  });
});
