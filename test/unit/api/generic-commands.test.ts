import { describe, expect, it } from 'vitest';
import {
  ApiRegistry,
  formatFsDuration,
  formatStatus,
  heartbeatHeaders,
  MapGlobalVariables,
  productInfo,
  registerGenericCommands,
  startHeartbeat,
  strftime,
  type ReloadResult,
  type SwitchStatusSnapshot,
} from '../../../src/api/index.js';
import { EventBus, type FsLogLevel, type SwitchEvent } from '../../../src/common/index.js';

const product = { name: 'softswitch', version: '9.8.7', bits: '64bit' };

function snapshot(over: Partial<SwitchStatusSnapshot> = {}): SwitchStatusSnapshot {
  return {
    startedAtMs: 0,
    uptimeMicros: ((2 * 60 + 14) * 60 + 9) * 1_000_000 + 312_077,
    ready: true,
    sessionsSinceStartup: 153,
    sessionCount: 2,
    sessionPeakMax: 4,
    sessionPeakFiveMin: 2,
    sessionsPerSecondLast: 0,
    spsMax: 2,
    spsFiveMin: 1,
    maxSessions: 1000,
    spsLimit: 30,
    minIdleCpu: 0,
    idleCpu: 98.4,
    ...over,
  };
}

function setup(reload?: () => Promise<ReloadResult>) {
  const bus = new EventBus({ coreUuid: 'core-1', hostname: 'pbx1', switchname: 'sw1' });
  const globals = new MapGlobalVariables({ domain: 'example.com', hold_music: 'local_stream://moh' });
  let level: FsLogLevel = 6;
  const registry = new ApiRegistry();
  registerGenericCommands(registry, {
    bus,
    status: { snapshot: () => snapshot() },
    globals,
    logLevel: { get: () => level, set: (l) => (level = l) },
    reload,
    product,
  });
  return { bus, globals, registry, level: () => level };
}

describe('status', () => {
  it('prints the FreeSWITCH line shapes with our product name and trailing spaces on lines 4 and 5', () => {
    expect(formatStatus(snapshot(), product)).toBe(
      'UP 0 years, 0 days, 2 hours, 14 minutes, 9 seconds, 312 milliseconds, 77 microseconds\n' +
        'softswitch (Version 9.8.7 64bit) is ready\n' +
        '153 session(s) since startup\n' +
        '2 session(s) - peak 4, last 5min 2 \n' +
        '0 session(s) per Sec out of max 30, peak 2, last 5min 1 \n' +
        '1000 session(s) max\n' +
        'min idle cpu 0.00/98.40\n',
    );
  });

  it('adds the stack line when the size is known and says not ready while starting', () => {
    const out = formatStatus(snapshot({ ready: false, stackSizeKb: { current: 240, max: 8192 } }), product);
    expect(out).toContain('softswitch (Version 9.8.7 64bit) is not ready\n');
    expect(out.endsWith('Current Stack Size/Max 240K/8192K\n')).toBe(true);
  });

  const durations: Array<[number, string]> = [
    [0, '0 years, 0 days, 0 hours, 0 minutes, 0 seconds, 0 milliseconds, 0 microseconds'],
    [1, '0 years, 0 days, 0 hours, 0 minutes, 0 seconds, 0 milliseconds, 1 microsecond'],
    [((((366 * 24 + 1) * 60 + 1) * 60 + 1) * 1000 + 1) * 1000 + 2, '1 year, 1 day, 1 hour, 1 minute, 1 second, 1 millisecond, 2 microseconds'],
  ];
  for (const [us, text] of durations) {
    it(`pluralises every unit but exactly 1: ${text}`, () => expect(formatFsDuration(us)).toBe(text));
  }

  it('is registered as the status command', async () => {
    const { registry } = setup();
    expect(await registry.execute('status')).toBe(formatStatus(snapshot(), product));
  });
});

describe('generic commands', () => {
  it('prints version and version short', async () => {
    const { registry } = setup();
    expect(await registry.execute('version')).toBe('softswitch Version 9.8.7~64bit (9.8.7 64bit)\n');
    expect(await registry.execute('version short')).toBe('9.8.7\n');
  });

  it('reads our real package version by default', () => {
    expect(productInfo().name).toBe('softswitch');
    expect(productInfo().version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('prints uptime in the unit asked for, and usage for a bad unit', async () => {
    const { registry } = setup();
    expect(await registry.execute('uptime')).toBe('8049\n');
    expect(await registry.execute('uptime m')).toBe('134\n');
    expect(await registry.execute('uptime ms')).toBe('8049312\n');
    expect(await registry.execute('uptime fortnights')).toMatch(/^-USAGE: /);
  });

  it('prints hostname and switchname from the bus identity, and fresh uuids', async () => {
    const { registry } = setup();
    expect(await registry.execute('hostname')).toBe('pbx1');
    expect(await registry.execute('switchname')).toBe('sw1');
    const a = await registry.execute('create_uuid');
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(await registry.execute('create_uuid')).not.toBe(a);
  });

  it('gets, sets, unsets and lists global variables', async () => {
    const { registry } = setup();
    expect(await registry.execute('global_getvar domain')).toBe('example.com');
    expect(await registry.execute('global_setvar foo=bar baz')).toBe('+OK');
    expect(await registry.execute('global_getvar foo')).toBe('bar baz');
    expect(await registry.execute('global_setvar foo=')).toBe('+OK');
    expect(await registry.execute('global_getvar foo')).toBe('');
    expect(await registry.execute('global_setvar =x')).toBe('-USAGE: <var>=<value>\n');
    expect(await registry.execute('global_getvar')).toBe('domain=example.com\nhold_music=local_stream://moh\n');
  });

  it('sets the console log level by number or name and refuses anything else', async () => {
    const s = setup();
    expect(await s.registry.execute('console loglevel 7')).toBe('+OK console log level set to DEBUG\n');
    expect(s.level()).toBe(7);
    expect(await s.registry.execute('console loglevel warning')).toBe('+OK console log level set to WARNING\n');
    expect(s.level()).toBe(4);
    expect(await s.registry.execute('console loglevel 9')).toBe('-ERR Invalid console loglevel (9)!\n');
    expect(await s.registry.execute('console loglevel')).toBe('+OK console log level set to WARNING\n');
    expect(await s.registry.execute('console colour')).toMatch(/^-USAGE: /);
  });

  it('shows and sets the level through fsctl loglevel', async () => {
    const s = setup();
    expect(await s.registry.execute('fsctl loglevel')).toBe('+OK log level: INFO [6]\n');
    expect(await s.registry.execute('fsctl loglevel err')).toBe('+OK log level: ERR [3]\n');
    expect(await s.registry.execute('fsctl loglevel x')).toBe('-ERR syntax error, log level not set!\n');
    expect(await s.registry.execute('fsctl pause')).toMatch(/^-ERR INVALID COMMAND\n/);
  });

  it('reloads the configuration, answers +OK [Success] and fires RELOADXML', async () => {
    const s = setup(async () => ({ ok: true }));
    const seen: SwitchEvent[] = [];
    s.bus.subscribe((e) => seen.push(e));
    expect(await s.registry.execute('reloadxml')).toBe('+OK [Success]\n');
    expect(seen.map((e) => e.name)).toEqual(['RELOADXML']);
  });

  it('reports a failed reload with file:line:col and fires nothing', async () => {
    const s = setup(async () => ({ ok: false, error: { message: 'conf/vars.xml:3:7 unclosed tag' } }));
    const seen: SwitchEvent[] = [];
    s.bus.subscribe((e) => seen.push(e));
    expect(await s.registry.execute('reloadxml')).toBe('-ERR conf/vars.xml:3:7 unclosed tag\n');
    expect(seen).toEqual([]);
  });

  it('answers an error when no configuration loader is wired', async () => {
    expect(await setup().registry.execute('reloadxml')).toBe('-ERR no configuration loader\n');
  });

  it('expands global variables in eval', async () => {
    const { registry } = setup();
    expect(await registry.execute('eval user@${domain} and $${domain} and ${nothing}.')).toBe('user@example.com and example.com and .');
  });

  it('formats a given epoch with strftime codes', async () => {
    const { registry } = setup();
    const d = new Date(2024, 4, 1, 12, 0, 5);
    const epoch = Math.floor(d.getTime() / 1000);
    expect(await registry.execute(`strftime ${epoch}|%Y-%m-%d %T %a %b %j`)).toBe('2024-05-01 12:00:05 Wed May 122');
    expect(await registry.execute(`strftime ${epoch}|`)).toBe('2024-05-01 12:00:05');
    expect(strftime('100%% %q', d)).toBe('100% %q');
  });

  it('lists every command in help as name,description,syntax,ikey with a total', async () => {
    const { registry } = setup();
    const out = await registry.execute('help');
    const lines = out.split('\n');
    expect(lines[0]).toBe('name,description,syntax,ikey');
    expect(out).toContain('\nstatus,Show current status,,mod_commands\n');
    expect(out.endsWith(`\n\n${registry.list().length} total.\n`)).toBe(true);
  });
});

describe('HEARTBEAT', () => {
  it('carries the FS headers in order with the status numbers', () => {
    const h = heartbeatHeaders(snapshot(), product);
    expect(h.map(([k]) => k)).toEqual([
      'Event-Info', 'Up-Time', 'FreeSWITCH-Version', 'Uptime-msec', 'Session-Count', 'Max-Sessions',
      'Session-Per-Sec', 'Session-Per-Sec-Last', 'Session-Per-Sec-Max', 'Session-Per-Sec-FiveMin',
      'Session-Since-Startup', 'Session-Peak-Max', 'Session-Peak-FiveMin', 'Idle-CPU',
    ]);
    expect(Object.fromEntries(h)).toMatchObject({
      'Event-Info': 'System Ready',
      'Up-Time': '0 years, 0 days, 2 hours, 14 minutes, 9 seconds, 312 milliseconds, 77 microseconds',
      'FreeSWITCH-Version': '9.8.7',
      'Uptime-msec': '8049312',
      'Session-Per-Sec': '30',
      'Session-Since-Startup': '153',
      'Idle-CPU': '98.400000',
    });
  });

  it('publishes on the interval until stopped', async () => {
    const bus = new EventBus();
    const seen: SwitchEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    const stop = startHeartbeat(bus, { snapshot: () => snapshot() }, 20, product);
    await new Promise((r) => setTimeout(r, 75));
    stop();
    const count = seen.length;
    expect(count).toBeGreaterThanOrEqual(2);
    expect(seen.every((e) => e.name === 'HEARTBEAT')).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.length).toBe(count);
  });
});
