// The control plane end to end, through `softswitch start` as a child process: the real modesl
// client on the switch's event socket, `softswitch cli -x`, and reloadxml with a broken file
// (the running configuration stays), and a broken file at start (the switch refuses to start
// and names file:line:col).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import esl, { type Connection, type Event as EslEvent } from 'modesl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, ROOT, run, startSwitch, freePort, type RunningSwitch } from './harness.js';

function copyConf(): string {
  const dir = mkdtempSync(join(tmpdir(), 'softswitch-conf-'));
  cpSync(join(ROOT, 'conf'), dir, { recursive: true });
  // HEARTBEAT every second instead of 20 so the test need not wait.
  const sw = join(dir, 'autoload_configs/switch.conf.xml');
  writeFileSync(sw, readFileSync(sw, 'utf8').replace('name="event-heartbeat-interval" value="20"', 'name="event-heartbeat-interval" value="1"'));
  return dir;
}

function connect(port: number): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const conn = new esl.Connection('127.0.0.1', port, 'ClueCon');
    const t = setTimeout(() => reject(new Error('modesl did not connect')), 5000);
    conn.once('esl::ready', () => {
      clearTimeout(t);
      resolve(conn);
    });
    conn.once('error', reject);
  });
}

function waitEvent(conn: Connection, name: string, ms = 5000): Promise<EslEvent> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${name} event`)), ms);
    conn.once(`esl::event::${name}::*`, (e: EslEvent) => {
      clearTimeout(t);
      resolve(e);
    });
  });
}

describe('control plane through softswitch start', () => {
  let conf: string;
  let sw: RunningSwitch;
  let conn: Connection;
  const cli = (cmd: string) => run(process.execPath, [MAIN, 'cli', '-P', String(sw.eslPort), '-x', cmd]);

  beforeAll(async () => {
    conf = copyConf();
    sw = await startSwitch({ confDir: conf });
    conn = await connect(sw.eslPort);
  });
  afterAll(async () => {
    conn?.disconnect();
    expect(await sw.stop()).toBe(0);
    rmSync(conf, { recursive: true, force: true });
  });

  it('modesl runs api status and gets the FreeSWITCH-shaped text', async () => {
    const res = await new Promise<EslEvent>((resolve) => conn.api('status', resolve));
    const body = res.getBody();
    expect(body).toMatch(/^UP \d+ years?, \d+ days?, \d+ hours?, \d+ minutes?, \d+ seconds?, \d+ milliseconds?, \d+ microseconds?\n/);
    expect(body).toMatch(/\nsoftswitch \(Version \d+\.\d+\.\d+ \d+bit\) is ready\n/);
    expect(body).toContain('\n1000 session(s) max\n');
  });

  it('modesl bgapi gets a BACKGROUND_JOB carrying the same Job-UUID', async () => {
    const job = await new Promise<EslEvent>((resolve) => conn.bgapi('version', resolve));
    expect(job.getHeader('Event-Name')).toBe('BACKGROUND_JOB');
    expect(job.getHeader('Job-UUID')).toMatch(/^[0-9a-f-]{36}$/);
    expect(job.getBody()).toMatch(/^softswitch Version /);
  });

  it('modesl receives HEARTBEAT and, after reloadxml, RELOADXML', async () => {
    await new Promise((resolve) => conn.events('plain', 'HEARTBEAT RELOADXML', resolve));
    const hb = await waitEvent(conn, 'HEARTBEAT', 4000);
    expect(hb.getHeader('Event-Info')).toMatch(/System Ready/);
    expect(hb.getHeader('Core-UUID')).toMatch(/^[0-9a-f-]{36}$/);
    const reloaded = waitEvent(conn, 'RELOADXML');
    expect((await cli('reloadxml')).stdout).toBe('+OK [Success]\n');
    expect((await reloaded).getHeader('Event-Name')).toBe('RELOADXML');
  });

  it('softswitch cli -x prints status and the sofia tables', async () => {
    const status = await cli('status');
    expect(status.code).toBe(0);
    expect(status.stdout.split('\n')[3]).toMatch(/^\d+ session\(s\) - peak \d+, last 5min \d+ $/);
    const profile = await cli('sofia status profile internal');
    expect(profile.stdout).toContain(`URL              \tsip:mod_sofia@127.0.0.1:${sw.internalPort}\n`);
    expect(profile.stdout).toContain('Context          \tpublic\n');
    expect(profile.stdout).toContain('CODECS IN        \tOPUS,G722,PCMU,PCMA,H264,VP8\n');
    const unknown = await cli('nosuchcommand');
    expect(unknown.stdout).toBe('-ERR nosuchcommand Command not found!\n');
    expect(unknown.code).toBe(1);
  });

  it('reloadxml with a broken file reports file:line:col and keeps the running configuration', async () => {
    const file = join(conf, 'directory/default/1005.xml');
    const good = readFileSync(file, 'utf8');
    writeFileSync(join(conf, 'vars.xml'), readFileSync(join(conf, 'vars.xml'), 'utf8').replace('data="default_password=1234"', 'data="default_password=4321"'));
    writeFileSync(file, good.replace('</params>', '</parms>'));
    const bad = await cli('reloadxml');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^-ERR directory\/default\/1005\.xml:\d+:\d+ .+\n$/);
    expect((await cli('global_getvar default_password')).stdout).toBe('1234\n');
    expect((await cli('sofia status')).stdout).toContain('RUNNING');
    writeFileSync(file, good);
    expect((await cli('reloadxml')).stdout).toBe('+OK [Success]\n');
    expect((await cli('global_getvar default_password')).stdout).toBe('4321\n');
  });

  it('refuses to start on a broken configuration and names the place', async () => {
    const broken = copyConf();
    writeFileSync(join(broken, 'sip_profiles/internal.xml'), readFileSync(join(broken, 'sip_profiles/internal.xml'), 'utf8').replace('<param name="context" value="public"/>', '<param name="context" value="public">'));
    const port = await freePort();
    const res = await run(process.execPath, [MAIN, 'start', '--conf', broken, '--data', join(broken, 'data'), '--var', `internal_sip_port=${port}`, '--var', 'local_ip_v4=127.0.0.1', '--var', `event_socket_port=${await freePort()}`, '--var', `external_sip_port=${await freePort()}`], 20_000);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^softswitch: cannot start: sip_profiles\/internal\.xml:\d+:\d+ /);
    rmSync(broken, { recursive: true, force: true });
  });
});
