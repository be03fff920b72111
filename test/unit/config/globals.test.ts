import { describe, expect, test } from 'vitest';
import { join, resolve } from 'node:path';
import { builtInGlobals, GlobalVars, pickLocalAddresses } from '../../../src/config/globals.js';

describe('GlobalVars', () => {
  test('an override wins over a built-in and over a later set', () => {
    const g = new GlobalVars({ local_ip_v4: '192.0.2.1' }, { local_ip_v4: '127.0.0.1' });
    g.set('local_ip_v4', '198.51.100.1');
    expect(g.get('local_ip_v4')).toBe('127.0.0.1');
    expect(g.isOverridden('LOCAL_IP_V4')).toBe(true);
  });

  test('a set replaces a built-in that is not overridden', () => {
    const g = new GlobalVars({ hostname: 'h' });
    g.set('hostname', 'other');
    expect(g.get('HOSTNAME')).toBe('other');
  });

  test('snapshot lists built-ins, sets and override-only names with their final values', () => {
    const g = new GlobalVars({ a: '1' }, { b: '2', A: '9' });
    g.set('c', '3');
    expect([...g.snapshot()]).toEqual([['a', '9'], ['c', '3'], ['b', '2']]);
  });
});

describe('builtInGlobals', () => {
  test('data locations are folders of the data directory, conf_dir is the conf directory', () => {
    const g = builtInGlobals({ confDir: '/srv/pbx/conf', dataDir: '/srv/pbx/data', coreUuid: 'u-1', interfaces: {}, hostname: 'pbx1' });
    expect(g.conf_dir).toBe(resolve('/srv/pbx/conf'));
    expect(g.base_dir).toBe(resolve('/srv/pbx'));
    for (const [name, sub] of [['db_dir', 'db'], ['log_dir', 'log'], ['recordings_dir', 'recordings'], ['storage_dir', 'storage'], ['temp_dir', 'temp'], ['sounds_dir', 'sounds'], ['run_dir', 'run'], ['cache_dir', 'cache']]) {
      expect(g[name]).toBe(join(resolve('/srv/pbx/data'), sub));
    }
    expect(g.core_uuid).toBe('u-1');
    expect(g.hostname).toBe('pbx1');
    expect(g.local_ip_v4).toBe('127.0.0.1');
    expect(g.switch_serial).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('pickLocalAddresses', () => {
  const iface = (address: string, family: 'IPv4' | 'IPv6', internal: boolean, netmask = '255.255.255.0') =>
    ({ address, family, internal, netmask, mac: '00:00:00:00:00:00', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as never;

  test('takes the first non-internal IPv4 and a non-link-local IPv6', () => {
    const a = pickLocalAddresses({
      lo: [iface('127.0.0.1', 'IPv4', true), iface('::1', 'IPv6', true)],
      eth0: [iface('fe80::1', 'IPv6', false), iface('192.0.2.10', 'IPv4', false, '255.255.255.128'), iface('2001:db8::10', 'IPv6', false)],
      eth1: [iface('198.51.100.1', 'IPv4', false)],
    });
    expect(a).toEqual({ ipv4: '192.0.2.10', maskV4: '255.255.255.128', ipv6: '2001:db8::10' });
  });

  test('falls back to loopback when only internal interfaces exist', () => {
    expect(pickLocalAddresses({ lo: [iface('127.0.0.1', 'IPv4', true)] })).toEqual({ ipv4: '127.0.0.1', maskV4: '255.0.0.0', ipv6: '::1' });
  });
});
