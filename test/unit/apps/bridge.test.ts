// bridge on the real core with the test endpoint as the far end: who wins a ring race, what
// the losers hear, failover, error/ legs, what happens after a failure (continue_on_fail,
// continue_on_failure, failure_causes) and after the bridge (hangup_after_bridge …), ring
// timeouts, the caller cancelling, what the caller is told while it waits, caller id on the
// callee, and user/ and group/ legs through the directory and the registrations.

import { afterEach, describe, expect, it } from 'vitest';
import { DOMAIN, callerVars, makeHarness, register, settle, until, type Harness } from './harness.js';
import type { TestLeg } from './test-endpoint.js';
import { Channel, type ChannelDriver, type OriginatePlan } from '../../../src/b2bua/index.js';
import { silentLogger } from '../../../src/common/index.js';
import { ringTimeSec } from '../../../src/apps/bridge.js';

let h: Harness | undefined;
afterEach(() => h?.close());

/** Place a call running `apps` (`^`-separated inline list) and wait for it to end. */
async function run(apps: string[], vars: Record<string, string> = {}) {
  const call = h!.ep.call(h!.core, { dest: `m:^:${apps.join('^')}`, dialplan: 'inline', variables: vars });
  await call.done;
  await settle();
  return call;
}

const legCauses = (legs: TestLeg[]) => Object.fromEntries(legs.map((l) => [l.target, l.channel.hangupCause]));

describe('bridge: ring races and failover', () => {
  it('rings , legs at once; the first to answer wins, the others get LOSE_RACE', async () => {
    h = await makeHarness();
    h.ep.script('a', { ringMs: 1 }).script('b', { answerMs: 10, byeAfterMs: 5 }).script('c', { ringMs: 2 });
    const { channel, leg } = await run(['set:hangup_after_bridge=true', 'bridge:test/a,test/b,test/c']);
    expect(legCauses(h.ep.legs)).toEqual({ a: 'LOSE_RACE', b: 'NORMAL_CLEARING', c: 'LOSE_RACE' });
    expect(leg.calls.filter((c) => c === 'answer')).toHaveLength(1);
    const b = h.ep.legs[1]!.channel;
    expect(channel.getVariable('bridge_to')).toBe(b.uuid);
    expect(channel.getVariable('last_bridge_to')).toBe(b.uuid);
    expect(channel.getVariable('originate_disposition')).toBe('SUCCESS');
    expect(channel.getVariable('DIALSTATUS')).toBe('SUCCESS');
    expect(b.getVariable('signal_bond')).toBe(channel.uuid);
    expect(h.events.filter((e) => e.name === 'CHANNEL_BRIDGE')).toHaveLength(1);
    expect(channel.hangupCause).toBe('NORMAL_CLEARING');
    expect(h.core.channelCount).toBe(0);
  });

  it('| tries the next group only when the previous one failed', async () => {
    h = await makeHarness();
    h.ep.script('busy', { refuseStatus: 486, refuseMs: 2 }).script('gone', { refuseStatus: 404, refuseMs: 1 }).script('ok', { answerMs: 2, byeAfterMs: 1 });
    const { channel } = await run(['bridge:test/busy,test/gone|test/ok|test/never']);
    expect(h.ep.legs.map((l) => l.target)).toEqual(['busy', 'gone', 'ok']);
    expect(legCauses(h.ep.legs)).toEqual({ busy: 'USER_BUSY', gone: 'UNALLOCATED_NUMBER', ok: 'NORMAL_CLEARING' });
    expect(channel.getVariable('originate_disposition')).toBe('SUCCESS');
  });

  it('error/<cause> fails at once with that cause; the caller gets its SIP status', async () => {
    h = await makeHarness();
    const { channel, leg } = await run(['bridge:error/user_busy']);
    expect(channel.hangupCause).toBe('USER_BUSY');
    expect(leg.finalStatus).toBe(486);
    expect(h.ep.legs).toHaveLength(0);
  });

  it("the callee's SIP status is reused on the caller (486 stays 486, 404 stays 404)", async () => {
    h = await makeHarness();
    h.ep.script('x', { refuseStatus: 404 });
    const { channel, leg } = await run(['bridge:test/x']);
    expect(channel.hangupCause).toBe('UNALLOCATED_NUMBER');
    expect(channel.getVariable('last_bridge_proto_specific_hangup_cause')).toBe('sip:404');
    expect(leg.finalStatus).toBe(404);
  });

  it('a group is only failed when every leg failed; the last real cause is reported', async () => {
    h = await makeHarness();
    h.ep.script('a', { refuseStatus: 486, refuseMs: 1 }).script('b', { refuseStatus: 603, refuseMs: 5 });
    const { channel } = await run(['bridge:test/a,test/b']);
    expect(channel.hangupCause).toBe('CALL_REJECTED');
    expect(channel.getVariable('originate_failed_cause')).toBe('CALL_REJECTED');
  });

  it.each([
    ['an unknown technology', 'bridge:nosuch/x', 'CHAN_NOT_IMPLEMENTED'],
    ['a target the endpoint refuses', 'bridge:test/invalid-target', 'INVALID_URL'],
    ['a malformed dial string', 'bridge:{a=1}', 'INVALID_URL'],
    ['an empty dial string', 'bridge:', 'INVALID_URL'],
  ])('%s fails with %s', async (_name, app, cause) => {
    h = await makeHarness();
    const { channel } = await run([app]);
    expect(channel.hangupCause).toBe(cause);
  });
});

describe('bridge: after a failure', () => {
  interface Row {
    name: string;
    vars: Record<string, string>;
    refuse: number;
    continues: boolean;
  }
  const rows: Row[] = [
    { name: 'nothing set: USER_BUSY hangs up', vars: {}, refuse: 486, continues: false },
    { name: 'nothing set: NO_USER_RESPONSE (480) goes on', vars: {}, refuse: 480, continues: true },
    { name: 'continue_on_fail=true goes on', vars: { continue_on_fail: 'true' }, refuse: 486, continues: true },
    { name: 'continue_on_failure=true (call-centre spelling) goes on', vars: { continue_on_failure: 'true' }, refuse: 486, continues: true },
    { name: 'continue_on_fail=false hangs up even on NO_USER_RESPONSE', vars: { continue_on_fail: 'false' }, refuse: 480, continues: false },
    { name: 'continue_on_fail listing the cause goes on', vars: { continue_on_fail: 'NORMAL_TEMPORARY_FAILURE,USER_BUSY,NO_ANSWER' }, refuse: 486, continues: true },
    { name: 'continue_on_fail not listing the cause hangs up', vars: { continue_on_fail: 'NO_ANSWER' }, refuse: 486, continues: false },
    { name: 'continue_on_fail with the SIP status goes on', vars: { continue_on_fail: '486' }, refuse: 486, continues: true },
    { name: 'continue_on_fail with the Q.850 number goes on', vars: { continue_on_fail: '17' }, refuse: 486, continues: true },
    { name: 'continue_on_fail names in lower case', vars: { continue_on_fail: 'user_busy' }, refuse: 486, continues: true },
    { name: 'failure_causes listing the cause hangs up', vars: { failure_causes: 'USER_BUSY' }, refuse: 486, continues: false },
    { name: 'failure_causes not listing the cause goes on', vars: { failure_causes: 'NO_ANSWER' }, refuse: 486, continues: true },
    { name: 'continue_on_fail wins over failure_causes', vars: { continue_on_fail: 'true', failure_causes: 'USER_BUSY' }, refuse: 486, continues: true },
  ];
  it.each(rows)('$name', async (row) => {
    h = await makeHarness();
    h.ep.script('x', { refuseStatus: row.refuse });
    const { channel, leg } = await run(['bridge:test/x', 'set:went_on=yes', 'hangup:${originate_failed_cause}'], row.vars);
    expect(channel.getVariable('went_on')).toBe(row.continues ? 'yes' : undefined);
    const cause = row.refuse === 486 ? 'USER_BUSY' : 'NO_USER_RESPONSE';
    expect(channel.hangupCause).toBe(cause);
    expect(channel.getVariable('originate_failed_cause')).toBe(cause);
    expect(leg.finalStatus).toBe(row.refuse);
  });

  it('ATTENDED_TRANSFER never goes on', async () => {
    h = await makeHarness();
    const { channel } = await run(['bridge:error/ATTENDED_TRANSFER', 'set:went_on=yes'], { continue_on_fail: 'true' });
    expect(channel.getVariable('went_on')).toBeUndefined();
    expect(channel.hangupCause).toBe('ATTENDED_TRANSFER');
  });
});

describe('bridge: after the bridge', () => {
  it('hangup_after_bridge=true: the caller hangs up with the callee cause', async () => {
    h = await makeHarness();
    h.ep.script('x', { answerMs: 1 });
    const call = h.ep.call(h.core, { dest: 'm:^:set:hangup_after_bridge=true^bridge:test/x^set:went_on=yes', dialplan: 'inline' });
    await until(() => call.channel.partner !== undefined, 'bridge');
    h.ep.legs[0]!.bye('USER_BUSY');
    await call.done;
    expect(call.channel.hangupCause).toBe('USER_BUSY');
    expect(call.channel.getVariable('went_on')).toBeUndefined();
    expect(call.channel.getVariable('last_bridge_hangup_cause')).toBe('USER_BUSY');
  });

  it('without hangup_after_bridge the dialplan goes on when the callee hangs up', async () => {
    h = await makeHarness();
    h.ep.script('x', { answerMs: 1, byeAfterMs: 1 });
    const { channel } = await run(['bridge:test/x', 'set:went_on=yes']);
    expect(channel.getVariable('went_on')).toBe('yes');
    expect(channel.hangupCause).toBe('NORMAL_CLEARING');
  });

  it('the caller hanging up hangs the callee up with the same cause', async () => {
    h = await makeHarness();
    h.ep.script('x', { answerMs: 1 });
    const call = h.ep.call(h.core, { dest: 'bridge:test/x', dialplan: 'inline' });
    await until(() => call.channel.partner !== undefined, 'bridge');
    call.channel.hangup('NORMAL_CLEARING');
    await call.done;
    await settle();
    expect(h.ep.legs[0]!.channel.hangupCause).toBe('NORMAL_CLEARING');
    expect(h.core.channelCount).toBe(0);
  });

  it('transfer_after_bridge sends the caller on to that extension', async () => {
    h = await makeHarness({
      dialplanXml: `<include><context name="default"><extension name="landing">
        <condition field="destination_number" expression="^landing$"><action application="set" data="landed=\${rdnis}"/></condition>
      </extension></context></include>`,
    });
    h.ep.script('x', { answerMs: 1, byeAfterMs: 1 });
    const { channel } = await run(['set:transfer_after_bridge=landing:XML:default', 'bridge:test/x', 'set:went_on=yes']);
    expect(channel.getVariable('went_on')).toBeUndefined();
    expect(channel.getVariable('landed')).toBe('m:^:set:transfer_after_bridge=landing:XML:default^bridge:test/x^set:went_on=yes');
  });

  it('park_after_bridge parks the caller once the callee leaves', async () => {
    h = await makeHarness();
    h.ep.script('x', { answerMs: 1, byeAfterMs: 1 });
    const call = h.ep.call(h.core, { dest: 'm:^:set:park_after_bridge=true^bridge:test/x^set:went_on=yes', dialplan: 'inline' });
    await until(() => call.channel.state === 'CS_PARK', 'park');
    expect(call.channel.hungUp).toBe(false);
    call.channel.hangup();
    await call.done;
    expect(call.channel.getVariable('went_on')).toBeUndefined();
  });
});

describe('bridge: ring time', () => {
  const driver: ChannelDriver = { technology: 'test', ringReady() {}, preAnswer() {}, answer() {}, hangup() {} };
  const plan = (vars: Record<string, string>, legVars: Record<string, string> = {}): OriginatePlan => ({ variables: vars, groups: [[{ technology: 'test', target: 'x', variables: legVars }]] });
  it.each([
    ['nothing set: 60 s', {}, plan({}), 60],
    ['the caller call_timeout (vanilla sets 30)', { call_timeout: '30' }, plan({}), 30],
    ['{call_timeout} over the caller', { call_timeout: '30' }, plan({}, { call_timeout: '12' }), 12],
    ['{originate_timeout} over the caller', { call_timeout: '30' }, plan({}, { originate_timeout: '9' }), 9],
    ['<call_timeout> of an enterprise dial string', {}, plan({ call_timeout: '7' }), 7],
    ['0 or garbage falls back to 60', { call_timeout: 'soon' }, plan({}, { call_timeout: '0' }), 60],
  ])('%s', (_name, vars, p, sec) => {
    const a = new Channel({ direction: 'inbound', name: 'test/a', driver, logger: silentLogger, variables: Object.entries(vars) });
    expect(ringTimeSec(a, p)).toBe(sec);
  });
});

describe('bridge: timeouts and the caller cancelling', () => {
  it('call_timeout: nobody answers → NO_ANSWER, the legs are cancelled, the dialplan goes on', async () => {
    h = await makeHarness();
    const t0 = Date.now();
    const { channel } = await run(['set:call_timeout=1', 'bridge:test/a,test/b', 'set:went_on=yes']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(channel.getVariable('originate_failed_cause')).toBe('NO_ANSWER');
    expect(channel.getVariable('went_on')).toBe('yes');
    expect(legCauses(h.ep.legs)).toEqual({ a: 'NO_ANSWER', b: 'NO_ANSWER' });
  });

  it('leg_timeout drops one slow leg while another may still answer', async () => {
    h = await makeHarness();
    h.ep.script('fast', { answerMs: 1300, byeAfterMs: 1 });
    const { channel } = await run(['bridge:[leg_timeout=1]test/slow,test/fast']);
    expect(legCauses(h.ep.legs)).toEqual({ slow: 'NO_ANSWER', fast: 'NORMAL_CLEARING' });
    expect(channel.getVariable('originate_disposition')).toBe('SUCCESS');
  });

  it('{call_timeout} in the dial string wins over the channel variable', async () => {
    h = await makeHarness();
    const t0 = Date.now();
    const { channel } = await run(['set:call_timeout=30', 'bridge:{call_timeout=1}test/a']);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(channel.getVariable('originate_failed_cause')).toBe('NO_ANSWER');
  });

  it('the caller cancelling while legs ring: every leg gets ORIGINATOR_CANCEL, nothing is left', async () => {
    h = await makeHarness();
    const call = h.ep.call(h.core, { dest: 'm:^:bridge:test/a,test/b', dialplan: 'inline' });
    await until(() => h!.ep.legs.length === 2 && h!.ep.legs.every((l) => l.channel.callState === 'RINGING'), 'legs ringing');
    call.channel.hangup('ORIGINATOR_CANCEL');
    await call.done;
    await settle();
    expect(legCauses(h.ep.legs)).toEqual({ a: 'ORIGINATOR_CANCEL', b: 'ORIGINATOR_CANCEL' });
    expect(call.leg.finalStatus).toBe(487);
    expect(h.core.channelCount).toBe(0);
  });

  it('a transfer of the caller while its legs ring cancels them without hanging the caller up', async () => {
    h = await makeHarness();
    const call = h.ep.call(h.core, { dest: 'm:^:set:continue_on_fail=false^bridge:test/a^set:went_on=yes', dialplan: 'inline' });
    await until(() => h!.ep.legs.length === 1, 'leg');
    h.core.transfer(call.channel, 'set:moved=yes', 'inline');
    await call.done;
    expect(h.ep.legs[0]!.channel.hangupCause).toBe('ORIGINATOR_CANCEL');
    expect(call.channel.getVariable('moved')).toBe('yes');
    expect(call.channel.getVariable('went_on')).toBeUndefined();
    expect(call.channel.hangupCause).toBe('NORMAL_CLEARING');
  });
});

describe('bridge: what the caller is told while the callee rings', () => {
  interface Row {
    name: string;
    vars: Record<string, string>;
    script: { earlyMediaSdp?: string; silent?: boolean };
    calls: string[];
  }
  const rows: Row[] = [
    { name: '180 from the callee is relayed as 180', vars: {}, script: {}, calls: ['ringReady', 'answer'] },
    { name: '183 with SDP is passed through as early media', vars: {}, script: { earlyMediaSdp: 'v=0 early' }, calls: ['preAnswer', 'answer'] },
    { name: 'ringback set: 180 instead of the callee media (tones come with the media layer)', vars: { ringback: '%(2000,4000,440,480)' }, script: { earlyMediaSdp: 'v=0 early' }, calls: ['ringReady', 'answer'] },
    { name: 'ringback and bridge_early_media=true: the callee media passes', vars: { ringback: '%(2000,4000,440,480)', bridge_early_media: 'true' }, script: { earlyMediaSdp: 'v=0 early' }, calls: ['preAnswer', 'answer'] },
    { name: 'ignore_early_media=true: 180 instead of the callee media', vars: { ignore_early_media: 'true' }, script: { earlyMediaSdp: 'v=0 early' }, calls: ['ringReady', 'answer'] },
    { name: 'ignore_early_media=ring_ready: 180', vars: { ignore_early_media: 'ring_ready' }, script: { earlyMediaSdp: 'v=0 early' }, calls: ['ringReady', 'answer'] },
    { name: 'a silent callee: nothing until the answer', vars: {}, script: { silent: true }, calls: ['answer'] },
    { name: 'instant_ringback=true: 180 at once, even from a silent callee', vars: { instant_ringback: 'true' }, script: { silent: true }, calls: ['ringReady', 'answer'] },
  ];
  it.each(rows)('$name', async (row) => {
    h = await makeHarness();
    h.ep.script('x', { ...row.script, answerMs: 20, byeAfterMs: 1 });
    const { leg } = await run(['bridge:test/x'], row.vars);
    expect(leg.calls.filter((c) => !c.startsWith('hangup'))).toEqual(row.calls);
  });

  it('the callee early media is answered on the caller with the callee SDP', async () => {
    h = await makeHarness();
    h.ep.script('x', { earlyMediaSdp: 'v=0 early', answerMs: 10, byeAfterMs: 1 });
    const { channel } = await run(['bridge:test/x']);
    expect(channel.localSdp?.toString()).toBe('v=0 callee');
  });

  it('only the first callee with early media reaches the caller', async () => {
    h = await makeHarness();
    h.ep.script('a', { earlyMediaSdp: 'v=0 a', ringMs: 1 }).script('b', { earlyMediaSdp: 'v=0 b', ringMs: 5, answerMs: 15, byeAfterMs: 1 });
    const { leg } = await run(['bridge:test/a,test/b']);
    expect(leg.calls.filter((c) => c === 'preAnswer')).toHaveLength(1);
  });
});

describe('bridge: caller id on the callee', () => {
  it.each([
    ['the caller id of the caller', {}, '', ['Alice', '1001']],
    ['the caller effective_caller_id_*', { effective_caller_id_name: 'Extension 1001', effective_caller_id_number: '1001x' }, '', ['Extension 1001', '1001x']],
    ['origination_caller_id_* on the caller', { origination_caller_id_name: 'Sales', origination_caller_id_number: '5000', effective_caller_id_number: '1001x' }, '', ['Sales', '5000']],
    ['origination_caller_id_* of the dial string over everything', { origination_caller_id_number: '5000', effective_caller_id_number: '1001x' }, '{origination_caller_id_number=7777}', ['Alice', '7777']],
  ])('shows %s', async (_name, vars, prefix, [name, number]) => {
    h = await makeHarness();
    h.ep.script('x', { answerMs: 1, byeAfterMs: 1 });
    const call = h.ep.call(h.core, { dest: `bridge:${prefix}test/x`, dialplan: 'inline', cidName: 'Alice', variables: vars as Record<string, string> });
    await call.done;
    const b = h.ep.legs[0]!.channel;
    expect([b.profile.callerIdName, b.profile.callerIdNumber]).toEqual([name, number]);
  });
});

describe('bridge: user/ and group/', () => {
  it('user/ rings every registered contact of the user at once, with the user variables', async () => {
    h = await makeHarness();
    register(h, '1000', 2);
    h.sofia.script(/:5071$/, { answerMs: 5, byeAfterMs: 1 });
    const { channel } = await run([`bridge:user/1000@${DOMAIN}`], callerVars('1001'));
    expect(h.sofia.legs.map((l) => l.target)).toEqual(['internal/sip:1000@127.0.0.1:5070', 'internal/sip:1000@127.0.0.1:5071']);
    expect(legCauses(h.sofia.legs)).toEqual({ 'internal/sip:1000@127.0.0.1:5070': 'LOSE_RACE', 'internal/sip:1000@127.0.0.1:5071': 'NORMAL_CLEARING' });
    const b = h.sofia.legs[1]!.channel;
    // The callee's directory variables ride on its leg; its caller id is still the caller's.
    expect([b.getVariable('callgroup'), b.getVariable('user_context'), b.getVariable('dialed_user'), b.getVariable('sip_invite_domain')]).toEqual(['techsupport', 'default', '1000', DOMAIN]);
    expect(b.getVariable('presence_id')).toBe(`1000@${DOMAIN}`);
    expect([b.profile.callerIdName, b.profile.callerIdNumber, b.profile.context]).toEqual(['Extension 1001', '1001', 'default']);
    expect([channel.getVariable('dialed_user'), channel.getVariable('dialed_domain')]).toEqual(['1000', DOMAIN]);
  });

  it('user/ of a user with no registration fails with USER_NOT_REGISTERED (480)', async () => {
    h = await makeHarness();
    const { channel, leg } = await run([`bridge:user/1002@${DOMAIN}`], callerVars());
    expect(channel.hangupCause).toBe('USER_NOT_REGISTERED');
    expect(leg.finalStatus).toBe(480);
    expect(h.sofia.legs).toHaveLength(0);
  });

  it('user/ of a user the directory does not know fails with SUBSCRIBER_ABSENT (480)', async () => {
    h = await makeHarness();
    const { channel, leg } = await run([`bridge:user/4242@${DOMAIN}`], callerVars());
    expect(channel.hangupCause).toBe('SUBSCRIBER_ABSENT');
    expect(leg.finalStatus).toBe(480);
  });

  it('user/ without a domain uses the default domain', async () => {
    h = await makeHarness();
    register(h, '1003');
    h.sofia.script(/1003/, { answerMs: 1, byeAfterMs: 1 });
    const { channel } = await run(['bridge:user/1003']);
    expect(channel.getVariable('originate_disposition')).toBe('SUCCESS');
  });

  it('group/ rings the registered members and skips the others', async () => {
    h = await makeHarness();
    register(h, '1006');
    register(h, '1008');
    h.sofia.script(/1008/, { answerMs: 5, byeAfterMs: 1 });
    const { channel } = await run([`bridge:group/billing@${DOMAIN}`]);
    expect(h.sofia.legs.map((l) => l.target)).toEqual(['internal/sip:1006@127.0.0.1:5070', 'internal/sip:1008@127.0.0.1:5070']);
    expect(channel.getVariable('originate_disposition')).toBe('SUCCESS');
  });

  it('group/ of an unknown group fails with NO_ROUTE_DESTINATION', async () => {
    h = await makeHarness();
    const { channel } = await run([`bridge:group/nobody@${DOMAIN}`]);
    expect(channel.hangupCause).toBe('NO_ROUTE_DESTINATION');
  });

  it('${group_call(…+F)} rings the members one after the other', async () => {
    h = await makeHarness();
    register(h, '1000');
    register(h, '1001');
    h.sofia.script(/1000/, { refuseStatus: 486 }).script(/1001/, { answerMs: 1, byeAfterMs: 1 });
    const { channel } = await run([`bridge:\${group_call(sales@${DOMAIN}+F)}`]);
    expect(h.sofia.legs.map((l) => l.target)).toEqual(['internal/sip:1000@127.0.0.1:5070', 'internal/sip:1001@127.0.0.1:5070']);
    expect(channel.getVariable('originate_disposition')).toBe('SUCCESS');
  });
});
