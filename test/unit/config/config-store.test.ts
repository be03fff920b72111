import { afterEach, describe, expect, test } from 'vitest';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../../src/common/errors.js';
import { ConfigStore, type ConfigTree } from '../../../src/config/index.js';
import { cleanup, rootDoc, writeTree } from './conf-fixture.js';

afterEach(cleanup);

const switchConf = (port: string) =>
  `<X-PRE-PROCESS cmd="include" data="conf.d/*.xml"/>\n<configuration name="switch.conf"><settings><param name="rtp-start-port" value="${port}"/></settings></configuration>`;

async function setup(port = '20000') {
  const dir = await writeTree({ 'freeswitch.xml': rootDoc({ configuration: switchConf(port) }) });
  const store = await ConfigStore.load({ confDir: dir, dataDir: join(dir, 'data') });
  return { dir, store };
}

describe('ConfigStore', () => {
  test('load throws a ConfigError when the initial configuration is bad', async () => {
    const dir = await writeTree({ 'freeswitch.xml': rootDoc({ configuration: switchConf('x') }) });
    await expect(ConfigStore.load({ confDir: dir, dataDir: dir })).rejects.toBeInstanceOf(ConfigError);
  });

  test('load throws a ConfigError when freeswitch.xml is missing', async () => {
    const dir = await writeTree({});
    await expect(ConfigStore.load({ confDir: dir, dataDir: dir })).rejects.toThrow(/cannot read freeswitch\.xml: no such file/);
  });

  test('a successful reload swaps the tree and tells listeners', async () => {
    const { dir, store } = await setup('20000');
    const before = store.current;
    const seen: Array<[number, number]> = [];
    store.on('reload', (current, previous) => seen.push([current.switchConf.rtpStartPort, previous.switchConf.rtpStartPort]));
    await writeFile(join(dir, 'freeswitch.xml'), rootDoc({ configuration: switchConf('22000') }));
    const result = await store.reload();
    expect(result.ok).toBe(true);
    expect(store.current).not.toBe(before);
    expect(store.current.switchConf.rtpStartPort).toBe(22000);
    expect(before.switchConf.rtpStartPort).toBe(20000); // a holder of the old tree keeps it intact
    expect(seen).toEqual([[22000, 20000]]);
  });

  test('a failed reload keeps the old tree and returns the error with file:line:col', async () => {
    const { dir, store } = await setup('20000');
    const before = store.current;
    const failures: ConfigError[] = [];
    let swaps = 0;
    store.on('reloadFailed', (e) => failures.push(e));
    store.on('reload', () => swaps++);
    await mkdir(join(dir, 'conf.d'));
    await writeFile(join(dir, 'conf.d', 'broken.xml'), '<include>\n  <configuration name="x.conf">\n    <settings>\n</include>\n');
    const result = await store.reload();
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(ConfigError);
    expect(result.error.file).toBe('conf.d/broken.xml');
    expect(result.error.line).toBe(3);
    expect(store.current).toBe(before);
    expect(failures).toEqual([result.error]);
    expect(swaps).toBe(0);
  });

  test('a listener that throws does not stop the swap or other listeners', async () => {
    const { dir, store } = await setup();
    const got: ConfigTree[] = [];
    store.on('reload', () => {
      throw new Error('listener bug');
    });
    store.on('reload', (t) => got.push(t));
    await writeFile(join(dir, 'freeswitch.xml'), rootDoc({ configuration: switchConf('24000') }));
    const result = await store.reload();
    expect(result.ok).toBe(true);
    expect(got.map((t) => t.switchConf.rtpStartPort)).toEqual([24000]);
  });

  test('concurrent reloads run one after the other and the last file content wins', async () => {
    const { dir, store } = await setup();
    await writeFile(join(dir, 'freeswitch.xml'), rootDoc({ configuration: switchConf('26000') }));
    const [a, b] = await Promise.all([store.reload(), store.reload()]);
    expect([a.ok, b.ok]).toEqual([true, true]);
    expect(store.current.switchConf.rtpStartPort).toBe(26000);
  });

  test('overrides and the core UUID survive a reload', async () => {
    const dir = await writeTree({ 'freeswitch.xml': rootDoc({ vars: '<X-PRE-PROCESS cmd="set" data="p=1"/>', configuration: switchConf('$${p}0000') }) });
    const store = await ConfigStore.load({ confDir: dir, dataDir: dir, overrides: { p: '3' }, coreUuid: 'uuid-1' });
    expect(store.current.switchConf.rtpStartPort).toBe(30000);
    await store.reload();
    expect(store.current.switchConf.rtpStartPort).toBe(30000);
    expect(store.current.getGlobal('core_uuid')).toBe('uuid-1');
  });

  test('writeDebugDump writes the expanded document under log_dir', async () => {
    const { store } = await setup('21000');
    const path = await store.current.writeDebugDump();
    expect(path).toBe(join(store.current.getGlobal('log_dir')!, 'freeswitch.xml.fsxml'));
    const dumped = await readFile(path, 'utf8');
    expect(dumped).toBe(store.current.text);
    expect(dumped).toContain('<param name="rtp-start-port" value="21000"/>');
    expect(dumped).not.toContain('X-PRE-PROCESS');
  });
});
