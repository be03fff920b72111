// Gateways on the console, byte for byte where FreeSWITCH's layouts are known (spec §6.4, §6.7,
// §6.8): the gateway rows of `sofia status`, `sofia status gateway` (table and detail),
// killgw, register/unregister, rescan, and restart with its 10-second guard.
import { describe, expect, it } from 'vitest';
import { SiptraceControl, sofiaCommand, type SofiaGatewayHooks } from '../../../src/api/index.js';
import { GatewayRegistry, type SofiaProfile } from '../../../src/b2bua/index.js';
import { LogTap, silentLogger } from '../../../src/common/index.js';
import { FakeSip, ManualClock, flush, gatewayConf } from '../b2bua/gateway/fakes.js';

const LINE = '='.repeat(97);

async function setup(opts: { startedAgoMs?: number } = {}) {
  const clock = new ManualClock();
  const sip = new FakeSip();
  const registry = new GatewayRegistry({ logger: silentLogger, global: () => 'changed', clock });
  const ref = { name: 'external', context: 'public', sip };
  const carrier = registry.create(gatewayConf('carrier', { username: 'joe', password: 'pw', proxy: '198.51.100.7:5070', 'expire-seconds': '600' }), ref);
  const noreg = registry.create(gatewayConf('example.com', { username: 'joeuser', register: 'false', 'from-domain': 'example.com', ping: '30' }), ref);
  carrier.start();
  noreg.start();
  await flush();
  sip.answer(sip.last(), 403);
  const calls: string[] = [];
  const hooks: SofiaGatewayHooks = {
    list: () => registry.all(),
    kill: async (name) => {
      calls.push(`kill ${name}`);
      return registry.remove(name);
    },
    rescan: async (p) => {
      calls.push(`rescan ${p}`);
      return { reload: 'Success', added: [] };
    },
    restart: async (p) => {
      calls.push(`restart ${p}`);
      return { reload: 'Success' };
    },
  };
  const profile = {
    name: 'external',
    url: 'sip:mod_sofia@127.0.0.1:5080',
    running: true,
    startedAt: Date.now() - (opts.startedAgoMs ?? 60_000),
  } as unknown as SofiaProfile;
  const cmd = sofiaCommand({ profiles: () => [profile], aliases: () => [], logTap: new LogTap(), gateways: hooks }, new SiptraceControl(new LogTap()));
  const run = async (args: string) => String(await cmd.handler(args, {} as never));
  return { run, registry, calls, carrier, noreg, sip, clock };
}

describe('sofia status', () => {
  it('lists each gateway under its profile as <profile>::<gateway>, with the retry time while failing', async () => {
    const { run } = await setup();
    expect(await run('status')).toBe(
      `${'Name'.padStart(25)}\t   Type\t  ${'Data'.padStart(40)}\tState\n${LINE}\n` +
        `${'external'.padStart(25)}\tprofile\t  ${'sip:mod_sofia@127.0.0.1:5080'.padStart(40)}\tRUNNING (0)\n` +
        `${'external::carrier'.padStart(25)}\tgateway\t  ${'sip:joe@198.51.100.7:5070'.padStart(40)}\tFAIL_WAIT (retry: 30s)\n` +
        `${'external::example.com'.padStart(25)}\tgateway\t  ${'sip:joeuser@example.com'.padStart(40)}\tNOREG\n` +
        `${LINE}\n1 profile 0 aliases\n`,
    );
  });

  it('sofia status gateway: the table with ping times, call counts and the totals line', async () => {
    const { run, carrier } = await setup();
    carrier.counters.callsOut = 3;
    carrier.counters.failedCallsOut = 1;
    expect(await run('status gateway')).toBe(
      `${'Profile::Gateway-Name'.padStart(25)}\t${'    Data    '.padStart(32)}\tState\tPing Time\tIB Calls(F/T)\tOB Calls(F/T)\n${LINE}\n` +
        `${'external::carrier'.padStart(25)}\t${'sip:joe@198.51.100.7:5070'.padStart(32)}\tFAIL_WAIT\t  0.00\t0/0\t1/3 (retry: 30s)\n` +
        `${'external::example.com'.padStart(25)}\t${'sip:joeuser@example.com'.padStart(32)}\tNOREG\t  0.00\t0/0\t0/0\n` +
        `${LINE}\n2 gateways: Inbound(Failed/Total): 0/0,Outbound(Failed/Total):1/3\n`,
    );
  });

  it('sofia status gateway <name>: the detail block, keys padded to 8', async () => {
    const { run, clock } = await setup();
    const out = await run('status gateway EXAMPLE.COM');
    const lines = out.split('\n');
    expect(lines[0]).toBe(LINE);
    expect(lines.slice(1, -2)).toEqual([
      'Name    \texample.com',
      'Profile \texternal',
      'Scheme  \tDigest',
      'Realm   \texample.com',
      'Username\tjoeuser',
      'Password\tno',
      'From    \t<sip:joeuser@example.com>',
      'Contact \t<sip:gw+example.com@192.0.2.10:5080;transport=udp;gw=example.com>',
      'Exten   \tjoeuser',
      'To      \tsip:joeuser@example.com',
      'Proxy   \tsip:example.com',
      'Context \tpublic',
      'Expires \t3600',
      'Freq    \t0',
      `Ping    \t${Math.floor(clock.now() / 1000)}`,
      'PingFreq\t30',
      'PingTime\t0.00',
      'PingState\t1/1/1',
      'State   \tNOREG',
      'Status  \tUP',
      'Uptime  \t0s',
      'CallsIN \t0',
      'CallsOUT\t0',
      'FailedCallsIN\t0',
      'FailedCallsOUT\t0',
    ]);
    expect(lines.slice(-2)).toEqual([LINE, '']);
    expect(await run('status gateway nope')).toBe('Invalid Gateway!\n');
  });
});

describe('sofia profile <p> …', () => {
  it('killgw: usage, unknown, one gateway, then every one', async () => {
    const { run, registry, calls } = await setup();
    expect(await run('profile external killgw')).toBe('-ERR missing gw name\n');
    expect(await run('profile external killgw nope')).toBe('-ERR no such gateway.\n');
    expect(await run('profile external killgw carrier')).toBe('+OK gateway marked for deletion.\n');
    expect(registry.get('carrier')).toBeUndefined();
    expect(await run('profile external killgw _all_')).toBe('+OK every gateway marked for deletion.\n');
    expect(registry.all()).toEqual([]);
    expect(calls).toEqual(['kill carrier', 'kill example.com']);
  });

  it('register / unregister a gateway, all of them, and refuse NOREG ones', async () => {
    const { run, carrier, sip } = await setup();
    expect(await run('profile external register')).toBe('No gateway name provided!\n');
    expect(await run('profile external register nope')).toBe('Invalid gateway!\n');
    expect(await run('profile external register example.com')).toBe("-ERR NOREG gateway [example.com] can't be registered!\n");
    expect(await run('profile external unregister example.com')).toBe("-ERR NOREG gateway [example.com] can't be unregistered!\n");
    expect(await run('profile external register carrier')).toBe('+OK\n');
    expect(carrier.state).toBe('TRYING');
    await flush();
    sip.answer(sip.last(), 200);
    expect(carrier.state).toBe('REGED');
    expect(await run('profile external unregister all')).toBe('+OK\n');
    expect(carrier.state).toBe('DOWN');
    await flush();
    expect(sip.last().req.get('expires')).toBe('0');
  });

  it('rescan reloads and scans; restart is refused for 10 s after the start, then restarts', async () => {
    const young = await setup({ startedAgoMs: 3_000 });
    expect(await young.run('profile external restart')).toBe('Profile external must be up for at least 10 seconds to stop/restart.\nPlease wait 7 seconds\n');
    expect(young.calls).toEqual([]);
    const old = await setup();
    expect(await old.run('profile external rescan')).toBe('Reload XML [Success]\n+OK scan complete\n');
    expect(await old.run('profile external restart')).toBe('Reload XML [Success]\nrestarting: external\n');
    expect(old.calls).toEqual(['rescan external', 'restart external']);
    expect(await old.run('profile nope rescan')).toBe('Invalid Profile [nope]\n');
  });
});
