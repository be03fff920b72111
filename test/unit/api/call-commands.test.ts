// The call-control API commands (spec §6.3, §6.9) on the real call core with the test
// endpoint: show channels / show calls, originate in its three forms, uuid_*, hupall, status.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Channel } from '../../../src/b2bua/index.js';
import { ApiRegistry, ShowTables, createStaticStatusProvider, statusCommand } from '../../../src/api/index.js';
// Not yet re-exported by src/api/index.ts (the lead adds `export * from './call-commands.js'`).
import { CALL_COLUMNS, CHANNEL_COLUMNS, NO_SUCH_CHANNEL, ORIGINATE_SYNTAX, registerCallCommands } from '../../../src/api/call-commands.js';
import { formatLocalStamp } from '../../../src/common/index.js';
import { serializeEvent } from '../../../src/esl/index.js';
import { callHarness, until, type Harness } from '../support/call-harness.js';
import { hangupComplete } from '../support/test-endpoint.js';

let h: Harness;
let api: ApiRegistry;
let stop: () => void;

beforeEach(async () => {
  h = await callHarness();
  api = new ApiRegistry();
  const show = new ShowTables();
  api.register('show', show.command());
  stop = registerCallCommands(api, { core: h.core, config: h.tree, show, serializeEvent, uuidBridgeTimeoutMs: 500 });
});

afterEach(async () => {
  stop();
  await h.close();
});

const run = (cmd: string) => api.execute(cmd);

/** A table's rows as objects keyed by column. */
function table(text: string): Array<Record<string, string>> {
  const lines = text.split('\n');
  const cols = lines[0]!.split(',');
  const rows: Array<Record<string, string>> = [];
  for (const line of lines.slice(1)) {
    if (line === '') break;
    const vals = line.split(',');
    expect(vals).toHaveLength(cols.length);
    rows.push(Object.fromEntries(cols.map((c, i) => [c, vals[i]!])));
  }
  return rows;
}

/** 1000 calls 1001 through Local_Extension; resolves once A and B are bridged. */
async function bridgedCall(vars: Record<string, string> = {}): Promise<{ a: Channel; b: Channel }> {
  const a = h.endpoint.inbound(h.core, { callerIdNumber: '1000', destination: '1001', variables: vars });
  const n = h.endpoint.outbound.length;
  void h.core.run(a);
  const b = await h.endpoint.nextOutbound(n);
  b.markAnswered();
  await until(() => a.partner === b, 2000, 'the bridge');
  return { a, b };
}

/** An inbound leg parked by the dialplan (`park` extension). */
async function parked(dest = 'park'): Promise<Channel> {
  const a = h.endpoint.inbound(h.core, { callerIdNumber: '1003', callerIdName: 'Parked Caller', destination: dest });
  void h.core.run(a);
  await until(() => a.state === 'CS_PARK' || a.application === 'sleep', 2000, 'the channel to settle');
  return a;
}

/** Run `originate …` and answer (or refuse) the leg it dials. */
async function originate(cmd: string, farEnd: (leg: Channel) => void = (leg) => leg.markAnswered()): Promise<{ reply: string; leg: Channel }> {
  const n = h.endpoint.outbound.length;
  const reply = run(cmd);
  const leg = await h.endpoint.nextOutbound(n);
  farEnd(leg);
  return { reply: await reply, leg };
}

describe('show channels', () => {
  it('prints only the total when there are no channels', async () => {
    expect(await run('show channels')).toBe('\n0 total.\n');
    expect(await run('show channels count')).toBe('\n0 total.\n');
  });

  it('has FreeSWITCH\'s 38 columns and one row per leg with its live state', async () => {
    const { a, b } = await bridgedCall({ accountcode: 'sales', presence_id: '1000@test.local', read_codec: 'PCMU', write_codec: 'PCMA' });
    const out = await run('show channels');
    expect(out.split('\n')[0]).toBe(CHANNEL_COLUMNS.join(','));
    expect(CHANNEL_COLUMNS).toHaveLength(38);
    expect(out.endsWith('\n\n2 total.\n')).toBe(true);
    const rows = table(out);
    expect(rows.map((r) => r.uuid)).toEqual([a.uuid, b.uuid]);
    expect(rows[0]).toMatchObject({
      direction: 'inbound', created: formatLocalStamp(a.times.created / 1000), created_epoch: String(Math.floor(a.times.created / 1e6)),
      name: a.name, state: 'CS_EXECUTE', cid_name: 'Extension 1000', cid_num: '1000', ip_addr: '127.0.0.1', dest: '1001',
      application: 'bridge', application_data: 'user/1001@test.local', dialplan: 'XML', context: 'default',
      read_codec: 'PCMU', read_rate: '8000', read_bit_rate: '64000', write_codec: 'PCMA', write_rate: '8000', write_bit_rate: '64000',
      hostname: 'testhost', presence_id: '1000@test.local', accountcode: 'sales', callstate: 'ACTIVE', call_uuid: a.uuid,
      initial_cid_num: '1000', initial_dest: '1001', initial_dialplan: 'XML', initial_context: 'default',
    });
    expect(rows[1]).toMatchObject({ direction: 'outbound', state: 'CS_EXCHANGE_MEDIA', dest: '1001', accountcode: '1001', callstate: 'ACTIVE', read_codec: '' });
    expect(await run('show channels count')).toBe('\n2 total.\n');
  });

  it('keeps the initial_* columns when a transfer changes the caller profile', async () => {
    const a = await parked();
    expect(await run(`uuid_transfer ${a.uuid} sleep5000`)).toBe('+OK\n');
    await until(() => a.application === 'sleep', 2000, 'the transfer');
    const [row] = table(await run('show channels'));
    expect([row!.dest, row!.initial_dest, row!.application, row!.application_data]).toEqual(['sleep5000', 'park', 'sleep', '5000']);
  });

  it('answers as json and with another delimiter', async () => {
    const { a } = await bridgedCall();
    const json = JSON.parse(await run('show channels as json')) as { row_count: number; rows: Array<Record<string, string>> };
    expect(json.row_count).toBe(2);
    expect(Object.keys(json.rows[0]!)).toEqual([...CHANNEL_COLUMNS]);
    expect(json.rows[0]!.uuid).toBe(a.uuid);
    const delim = await run('show channels as delim |');
    expect(delim.split('\n')[0]).toBe(CHANNEL_COLUMNS.join('|'));
  });
});

describe('show calls', () => {
  it('joins the A-leg with its bridged B-leg in one row of 41 columns', async () => {
    const { a, b } = await bridgedCall();
    const out = await run('show calls');
    expect(out.split('\n')[0]).toBe(CALL_COLUMNS.join(','));
    expect(CALL_COLUMNS).toHaveLength(41);
    const rows = table(out);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      uuid: a.uuid, direction: 'inbound', cid_num: '1000', dest: '1001', callstate: 'ACTIVE', call_uuid: a.uuid, hostname: 'testhost',
      b_uuid: b.uuid, b_direction: 'outbound', b_name: b.name, b_state: 'CS_EXCHANGE_MEDIA', b_dest: '1001', b_callstate: 'ACTIVE',
      b_created_epoch: String(Math.floor(b.times.created / 1e6)), call_created_epoch: String(Math.floor(a.times.bridged / 1e6)),
    });
    expect(out.endsWith('\n\n1 total.\n')).toBe(true);
    expect(await run('show calls count')).toBe('\n1 total.\n');
  });

  it('lists a ringing leg that is not bridged yet on its own row with empty b_* columns', async () => {
    const a = h.endpoint.inbound(h.core, { callerIdNumber: '1000', destination: '1001' });
    void h.core.run(a);
    const b = await h.endpoint.nextOutbound(0);
    b.markRinging();
    const rows = table(await run('show calls'));
    expect(rows.map((r) => r.uuid)).toEqual([a.uuid, b.uuid]);
    for (const r of rows) {
      expect(CALL_COLUMNS.filter((c) => c.startsWith('b_')).map((c) => r[c])).toEqual(Array(19).fill(''));
      expect(r.call_created_epoch).toBe('');
    }
    expect(rows[1]!.callstate).toBe('RINGING');
  });

  it('answers as json', async () => {
    const { b } = await bridgedCall();
    const json = JSON.parse(await run('show calls as json')) as { row_count: number; rows: Array<Record<string, string>> };
    expect(json.row_count).toBe(1);
    expect(json.rows[0]!.b_uuid).toBe(b.uuid);
    expect(await run('show calls count as json')).toBe('{"row_count":1}');
  });
});

describe('originate', () => {
  it('routes the answered leg to an extension and replies +OK <uuid>', async () => {
    const { reply, leg } = await originate('originate user/1001 park XML default');
    expect(reply).toBe(`+OK ${leg.uuid}\n`);
    await until(() => leg.state === 'CS_PARK', 2000, 'park');
    expect([leg.profile.destinationNumber, leg.profile.context, leg.application]).toEqual(['park', 'default', 'park']);
    expect(h.endpoint.requestsFor(leg.uuid, 'originate')).toEqual([{ kind: 'originate', uuid: leg.uuid, target: '1001', originator: undefined }]);
  });

  it('runs &app(args) on the answered leg and hangs it up when the app returns', async () => {
    const { reply, leg } = await originate('originate user/1001 &sleep(30)');
    expect(reply).toBe(`+OK ${leg.uuid}\n`);
    expect(leg.application).toBe('sleep');
    const done = await hangupComplete(h.core, leg);
    expect(done.hangupCause).toBe('NORMAL_CLEARING');
  });

  it('keeps an &park() leg until it is killed', async () => {
    const { leg } = await originate('originate user/1001 &park()');
    await until(() => leg.state === 'CS_PARK', 2000, 'park');
    const done = hangupComplete(h.core, leg);
    expect(await run(`uuid_kill ${leg.uuid} USER_BUSY`)).toBe('+OK\n');
    expect((await done).hangupCause).toBe('USER_BUSY');
  });

  it('runs the inline form: the answered leg bridges to another user', async () => {
    const { reply, leg } = await originate("originate user/1000 'bridge:user/1002' inline");
    expect(reply).toBe(`+OK ${leg.uuid}\n`);
    const b = await h.endpoint.nextOutbound(1);
    expect(h.endpoint.requestsFor(b.uuid, 'originate')).toEqual([{ kind: 'originate', uuid: b.uuid, target: '1002', originator: leg.uuid }]);
    b.markAnswered();
    await until(() => leg.partner === b, 2000, 'the bridge');
    const rows = table(await run('show calls'));
    expect(rows.map((r) => [r.uuid, r.b_uuid])).toEqual([[leg.uuid, b.uuid]]);
  });

  it('passes caller id name and number, skipping undef arguments', async () => {
    const { leg } = await originate("originate user/1001 park undef undef 'Bob Smith' 5551234");
    expect([leg.profile.callerIdName, leg.profile.callerIdNumber]).toEqual(['Bob Smith', '5551234']);
    await until(() => leg.state === 'CS_PARK', 2000, 'park');
    expect([leg.profile.dialplan, leg.profile.context]).toEqual(['XML', 'default']);
  });

  it('answers -ERR <cause> when the leg is refused, the user is unknown or nobody answers', async () => {
    const refused = await originate('originate user/1001 park', (leg) => leg.hangup('USER_BUSY'));
    expect(refused.reply).toBe('-ERR USER_BUSY\n');
    expect(await run('originate user/4444 park')).toBe('-ERR SUBSCRIBER_ABSENT\n');
    expect(await run('originate error/user_not_registered park')).toBe('-ERR USER_NOT_REGISTERED\n');
    const started = Date.now();
    const silent = await originate('originate user/1001 park XML default undef undef 1', () => {});
    expect(silent.reply).toBe('-ERR NO_ANSWER\n');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(silent.leg.hangupCause).toBe('NO_ANSWER');
  });

  it('answers -USAGE for too few or too many arguments', async () => {
    for (const cmd of ['originate', 'originate user/1001', 'originate a b c d e f g h']) expect(await run(cmd)).toBe(`-USAGE: ${ORIGINATE_SYNTAX}\n`);
  });
});

describe('uuid_kill, uuid_exists, uuid_getvar, uuid_setvar', () => {
  it('kills with NORMAL_CLEARING by default and answers -ERR for an unknown uuid', async () => {
    const a = await parked();
    const done = hangupComplete(h.core, a);
    expect(await run(`uuid_kill ${a.uuid}`)).toBe('+OK\n');
    expect((await done).hangupCause).toBe('NORMAL_CLEARING');
    expect(await run('uuid_kill 00000000-0000-0000-0000-000000000000')).toBe(NO_SUCH_CHANNEL);
    expect(await run('uuid_kill')).toBe('-USAGE: <uuid> [cause]\n');
  });

  it('tells whether a uuid exists', async () => {
    const a = await parked();
    expect(await run(`uuid_exists ${a.uuid}`)).toBe('true');
    expect(await run('uuid_exists nope')).toBe('false');
  });

  it('sets, reads and unsets variables; reads caller-profile fields; _undef_ for unset ones', async () => {
    const a = await parked();
    expect(await run(`uuid_setvar ${a.uuid} greeting hello big world`)).toBe('+OK\n');
    expect(a.getVariable('greeting')).toBe('hello big world');
    expect(await run(`uuid_getvar ${a.uuid} greeting`)).toBe('hello big world');
    expect(await run(`uuid_getvar ${a.uuid} caller_id_name`)).toBe('Parked Caller');
    expect(await run(`uuid_getvar ${a.uuid} domain`)).toBe('test.local');
    expect(await run(`uuid_setvar ${a.uuid} greeting`)).toBe('+OK\n');
    expect(await run(`uuid_getvar ${a.uuid} greeting`)).toBe('_undef_');
    expect(await run('uuid_getvar nope x')).toBe(NO_SUCH_CHANNEL);
    expect(await run('uuid_setvar nope x y')).toBe(NO_SUCH_CHANNEL);
    expect(await run(`uuid_getvar ${a.uuid}`)).toBe('-USAGE: <uuid> <var>\n');
  });
});

describe('uuid_dump', () => {
  it('writes the channel data as a plain event by default, values URL-encoded', async () => {
    const a = await parked();
    a.setVariable('note', 'two words');
    const out = await run(`uuid_dump ${a.uuid}`);
    const lines = out.split('\n');
    expect(lines[0]).toBe('Event-Name: CHANNEL_DATA');
    expect(lines).toContain(`Unique-ID: ${a.uuid}`);
    expect(lines).toContain('Channel-State: CS_PARK');
    expect(lines).toContain('Caller-Caller-ID-Name: Parked%20Caller');
    expect(lines).toContain('variable_note: two%20words');
    expect(out.endsWith('\n\n')).toBe(true);
  });

  it('writes json when asked', async () => {
    const a = await parked();
    const doc = JSON.parse(await run(`uuid_dump ${a.uuid} json`)) as Record<string, string>;
    expect([doc['Event-Name'], doc['Unique-ID'], doc['Caller-Caller-ID-Name']]).toEqual(['CHANNEL_DATA', a.uuid, 'Parked Caller']);
    expect(await run('uuid_dump nope')).toBe(NO_SUCH_CHANNEL);
  });
});

describe('uuid_transfer', () => {
  it('sends a channel to another extension, context and dialplan', async () => {
    const a = await parked();
    expect(await run(`uuid_transfer ${a.uuid} sleep5000 XML default`)).toBe('+OK\n');
    await until(() => a.application === 'sleep', 2000, 'the transfer');
    expect([a.profile.destinationNumber, a.profile.rdnis]).toEqual(['sleep5000', 'park']);
    expect(a.getVariable('transfer_history')).toMatch(new RegExp(`^\\d+:${a.uuid}:bl_xfer:sleep5000/default/XML$`));
  });

  it('transfers the channel itself with -bleg when it has no other leg, as FreeSWITCH does', async () => {
    const a = await parked();
    expect(await run(`uuid_transfer ${a.uuid} -bleg sleep5000`)).toBe('+OK\n');
    await until(() => a.application === 'sleep', 2000, 'the transfer');
  });

  it('transfers the other leg with -bleg; the caller then hangs up (hangup_after_bridge)', async () => {
    const { a, b } = await bridgedCall();
    const aDone = hangupComplete(h.core, a);
    expect(await run(`uuid_transfer ${a.uuid} -bleg park`)).toBe('+OK\n');
    await until(() => b.state === 'CS_PARK', 2000, 'the B-leg to park');
    expect(b.profile.destinationNumber).toBe('park');
    expect((await aDone).hangupCause).toBe('NORMAL_CLEARING');
    expect(b.hungUp).toBe(false);
  });

  it('takes a bridged caller out of its bridge; the callee, with nothing else to do, hangs up', async () => {
    const { a, b } = await bridgedCall();
    const bDone = hangupComplete(h.core, b);
    expect(await run(`uuid_transfer ${a.uuid} park`)).toBe('+OK\n');
    await until(() => a.state === 'CS_PARK', 2000, 'the A-leg to park');
    await bDone;
    expect(a.partner).toBeUndefined();
  });

  it('transfers both legs with -both', async () => {
    const { a, b } = await bridgedCall();
    expect(await run(`uuid_transfer ${a.uuid} -both park`)).toBe('+OK\n');
    await until(() => a.state === 'CS_PARK' && b.state === 'CS_PARK', 2000, 'both to park');
    expect([a.hungUp, b.hungUp]).toEqual([false, false]);
  });

  it('answers -ERR for an unknown uuid and -USAGE without a destination', async () => {
    expect(await run('uuid_transfer nope 1000')).toBe(NO_SUCH_CHANNEL);
    expect(await run('uuid_transfer nope')).toBe('-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n');
  });
});

describe('uuid_bridge', () => {
  it('bridges a parked caller with an originated leg and hangs the survivor up when one side ends', async () => {
    const a = await parked('sleep60000');
    const { leg: b } = await originate('originate user/1001 &park()');
    await until(() => b.state === 'CS_PARK', 2000, 'park');
    expect(await run(`uuid_bridge ${a.uuid} ${b.uuid}`)).toBe(`+OK ${b.uuid}\n`);
    expect(a.partner).toBe(b);
    expect([a.profile.destinationNumber, a.profile.dialplan]).toEqual(['sleep60000', 'XML']);
    expect(a.getVariable('transfer_history')).toMatch(new RegExp(`:${a.uuid}:uuid_br:${b.uuid}$`));
    expect(table(await run('show calls')).map((r) => [r.uuid, r.b_uuid])).toEqual([[a.uuid, b.uuid]]);
    const aDone = hangupComplete(h.core, a);
    b.hangup('NORMAL_CLEARING');
    expect((await aDone).hangupCause).toBe('NORMAL_CLEARING');
  });

  it('takes a channel out of the bridge it is in; its old callee hangs up', async () => {
    const { a, b } = await bridgedCall();
    const { leg: c } = await originate('originate user/1002 &park()');
    await until(() => c.state === 'CS_PARK', 2000, 'park');
    const bDone = hangupComplete(h.core, b);
    expect(await run(`uuid_bridge ${a.uuid} ${c.uuid}`)).toBe(`+OK ${c.uuid}\n`);
    await bDone;
    expect(a.partner).toBe(c);
    expect(table(await run('show calls')).map((r) => [r.uuid, r.b_uuid])).toEqual([[a.uuid, c.uuid]]);
  });

  it('leaves the survivor alone when park_after_bridge is set', async () => {
    const a = await parked('sleep60000');
    a.setVariable('park_after_bridge', 'true');
    const { leg: b } = await originate('originate user/1001 &park()');
    expect(await run(`uuid_bridge ${a.uuid} ${b.uuid}`)).toBe(`+OK ${b.uuid}\n`);
    const bDone = hangupComplete(h.core, b);
    b.hangup('NORMAL_CLEARING');
    await bDone;
    await new Promise((r) => setTimeout(r, 20));
    expect([a.hungUp, a.state]).toEqual([false, 'CS_PARK']);
  });

  it('uses the fallback uuid when the first other uuid does not exist', async () => {
    const a = await parked('sleep60000');
    const { leg: b } = await originate('originate user/1001 &park()');
    expect(await run(`uuid_bridge ${a.uuid} 11111111-1111-1111-1111-111111111111 ${b.uuid}`)).toBe(`+OK ${b.uuid}\n`);
  });

  it('answers -ERR Invalid uuid for unknown channels, the same channel twice, or two unanswered legs', async () => {
    const a = await parked();
    expect(await run(`uuid_bridge ${a.uuid} nope`)).toBe('-ERR Invalid uuid\n');
    expect(await run(`uuid_bridge ${a.uuid} ${a.uuid}`)).toBe('-ERR Invalid uuid\n');
    const other = await parked();
    expect(await run(`uuid_bridge ${a.uuid} ${other.uuid}`)).toBe('-ERR Invalid uuid\n');
    expect(await run('uuid_bridge onlyone')).toBe('-USAGE: <uuid> <other_uuid>\n');
  });
});

describe('hupall', () => {
  it('hangs up every channel with the cause and says so', async () => {
    const one = await bridgedCall();
    const two = await parked();
    const all = [one.a, one.b, two].map((ch) => hangupComplete(h.core, ch));
    expect(await run('hupall USER_BUSY')).toBe('+OK hangup all channels with cause USER_BUSY\n');
    expect((await Promise.all(all)).map((c) => c.hangupCause)).toEqual(['USER_BUSY', 'USER_BUSY', 'USER_BUSY']);
  });

  it('hangs up only the channels whose variable matches', async () => {
    const keep = await parked();
    const { a } = await bridgedCall({ campaign: 'spring' });
    const done = hangupComplete(h.core, a);
    expect(await run('hupall NORMAL_CLEARING campaign spring')).toBe('+OK hangup all channels matching [campaign]=[spring] with cause: NORMAL_CLEARING\n');
    expect((await done).hangupCause).toBe('NORMAL_CLEARING');
    expect(keep.hungUp).toBe(false);
  });

  it('uses MANAGER_REQUEST by default and for an unknown cause', async () => {
    expect(await run('hupall')).toBe('+OK hangup all channels with cause MANAGER_REQUEST\n');
    expect(await run('hupall NOT_A_CAUSE')).toBe('+OK hangup all channels with cause MANAGER_REQUEST\n');
  });
});

describe('status', () => {
  it('counts the sessions the core creates', async () => {
    const base = createStaticStatusProvider();
    const status = statusCommand({
      snapshot: () => {
        const c = h.core.counters;
        return { ...base.snapshot(), sessionsSinceStartup: c.sinceStartup, sessionCount: c.current, sessionPeakMax: c.peak, sessionPeakFiveMin: c.peakFiveMin };
      },
    });
    const lines = async () => (await status.handler('', { source: 'internal' })).split('\n');
    expect((await lines()).slice(2, 4)).toEqual(['0 session(s) since startup', '0 session(s) - peak 0, last 5min 0 ']);
    const { a, b } = await bridgedCall();
    expect((await lines()).slice(2, 4)).toEqual(['2 session(s) since startup', '2 session(s) - peak 2, last 5min 2 ']);
    const gone = [hangupComplete(h.core, a), hangupComplete(h.core, b)];
    b.hangup('NORMAL_CLEARING');
    await Promise.all(gone);
    await until(() => h.core.channelCount === 0, 1000, 'the channels to go');
    const after = await lines();
    expect(after[2]).toBe('2 session(s) since startup');
    expect(after[3]).toMatch(/^0 session\(s\) - peak 2, /);
  });
});
