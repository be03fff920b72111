// The shipped conf/dialplan (default, public, features) on the real core: every extension
// 1000-1019 through Local_Extension with its bookkeeping, what a failed call ends with, a
// number nothing matches, redial (870), call return (*69), the operator, ring groups, the
// public context, and the callee's blind transfer through features' is_transfer.

import { afterEach, describe, expect, it } from 'vitest';
import { compileDialplan } from '../../../src/dialplan/index.js';
import { metaAppBindings } from '../../../src/apps/index.js';
import { DOMAIN, callerVars, logsOf, makeHarness, register, settle, shippedConf, until, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.close());

/** 1001 (authenticated, context default) dials `dest`. */
function dial(dest: string, from = '1001', context = 'default', extra: Record<string, string> = {}) {
  return h!.ep.call(h!.core, { dest, cidNumber: from, cidName: `Extension ${from}`, context, variables: { ...callerVars(from), ...extra } });
}

describe('the shipped dialplan', () => {
  it('compiles without warnings and has the three vanilla contexts', async () => {
    const tree = await shippedConf();
    const dp = compileDialplan(tree.dialplan.contexts);
    expect(dp.warnings).toEqual([]);
    expect([...dp.contexts.keys()].sort()).toEqual(['default', 'features', 'public']);
    expect(dp.contexts.get('default')!.extensions.map((e) => e.name)).toEqual([
      'unloop', 'tod_example', 'holiday_example', 'global-intercept', 'group-intercept', 'intercept-ext', 'redial', 'global', 'call_return', 'Local_Extension',
      'group_dial_sales', 'group_dial_support', 'group_dial_billing', 'operator', 'echo', 'milliwatt', 'hold_music',
      'outside_international', 'outside_domestic', 'outside_local', 'outside_barred', 'no_route',
    ]);
  });

  it('every application it names is registered', async () => {
    h = await makeHarness();
    const tree = await shippedConf();
    const used = new Set<string>();
    for (const ctx of compileDialplan(tree.dialplan.contexts).contexts.values()) {
      const walk = (conds: readonly import('../../../src/dialplan/index.js').CompiledCondition[]) => {
        for (const c of conds) {
          for (const a of [...c.actions, ...c.antiActions]) used.add(a.application);
          walk(c.nested);
        }
      };
      for (const x of ctx.extensions) walk(x.conditions);
    }
    // deflect (unloop) only runs for a looped call, which nothing marks yet (sip_looped_call).
    expect([...used].filter((a) => a !== 'deflect' && !h!.core.application(a))).toEqual([]);
  });
});

describe('Local_Extension', () => {
  const exts = Array.from({ length: 20 }, (_, i) => String(1000 + i));
  it.each(exts)('%s rings the registered phone, bridges, and ends when the callee hangs up', async (ext) => {
    h = await makeHarness();
    register(h, ext);
    h.sofia.script(/./, { ringMs: 1, answerMs: 5, byeAfterMs: 5 });
    const t0 = Date.now();
    const from = ext === '1001' ? '1002' : '1001';
    const { channel: a, leg, done } = dial(ext, from);
    await done;
    await settle();
    // The call: 180 (ringback is a tone, the phone plays its own), answer, both ends hung up.
    expect(leg.calls).toEqual(['ringReady', 'answer', 'hangup:NORMAL_CLEARING']);
    expect(h.sofia.legs.map((l) => l.target)).toEqual([`internal/sip:${ext}@127.0.0.1:5070`]);
    expect(Date.now() - t0).toBeLessThan(2000); // no `sleep 10000` for the default password
    const b = h.sofia.legs[0]!.channel;
    expect(b.getVariable('dialed_extension')).toBe(ext); // exported
    expect([b.profile.callerIdName, b.profile.callerIdNumber]).toEqual([`Extension ${from}`, from]);
    expect(a.getVariable('ringback')).toBe('%(2000,4000,440,480)');
    expect(a.getVariable('transfer_ringback')).toBe('local_stream://moh');
    expect([a.getVariable('call_timeout'), a.getVariable('hangup_after_bridge'), a.getVariable('continue_on_fail')]).toEqual(['30', 'true', 'true']);
    const callgroup = 'techsupport'; // every shipped user's callgroup
    expect(a.getVariable('called_party_callgroup')).toBe(callgroup);
    expect(a.getVariable('RFC2822_DATE')).toMatch(/^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$/);
    expect(metaAppBindings(a).map((x) => `${x.key} ${x.app} ${x.args}`)).toEqual([
      '1 execute_extension dx XML features',
      expect.stringMatching(/^2 record_session \/.+\/recordings\/\d+\.\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.wav$/),
      '3 execute_extension cf XML features',
      '4 execute_extension att_xfer XML features',
    ]);
    const hash = Object.fromEntries(h.apps.hash.dump());
    expect(hash).toMatchObject({
      [`${DOMAIN}-spymap_${from}`]: a.uuid,
      [`${DOMAIN}-last_dial_${from}`]: ext,
      [`${DOMAIN}-last_dial_global`]: a.uuid,
      [`${DOMAIN}-call_return_${ext}`]: from,
      [`${DOMAIN}-last_dial_ext_${ext}`]: a.uuid,
      [`${DOMAIN}-last_dial_ext_${callgroup}`]: a.uuid,
      [`${DOMAIN}-last_dial_ext_global`]: a.uuid,
      [`${DOMAIN}-last_dial_${callgroup}`]: a.uuid,
    });
    // The default-password warning: four CRIT lines.
    expect(logsOf(h, a, 'log').filter((r) => r.fsLevel === 'CRIT')).toHaveLength(4);
  });

  it('the called party call group comes from the directory (1000 is in techsupport)', async () => {
    h = await makeHarness();
    const { channel, done } = dial('1000');
    await done;
    expect(channel.getVariable('called_party_callgroup')).toBe('techsupport');
  });

  it.each([
    ['not registered', undefined, 'USER_NOT_REGISTERED', 480],
    ['busy', 486, 'USER_BUSY', 486],
    ['declining', 603, 'CALL_REJECTED', 603],
  ])('a callee %s: the call ends with its real cause', async (_name, refuse, cause, status) => {
    h = await makeHarness();
    if (refuse !== undefined) {
      register(h, '1005');
      h.sofia.script(/./, { refuseStatus: refuse, refuseMs: 2 });
    }
    const { channel, leg, done } = dial('1005');
    await done;
    expect(channel.hangupCause).toBe(cause);
    expect(leg.finalStatus).toBe(status);
    expect(leg.calls).not.toContain('answer');
  });
});

describe('numbers nothing matches', () => {
  it.each(['7999', '1020', '12345', 'abc'])('%s ends with NO_ROUTE_DESTINATION (404) after the bookkeeping', async (dest) => {
    h = await makeHarness();
    const { channel, leg, done } = dial(dest);
    await done;
    expect(channel.hangupCause).toBe('NO_ROUTE_DESTINATION');
    expect(leg.finalStatus).toBe(404);
    expect(leg.calls).toEqual(['hangup:NO_ROUTE_DESTINATION']);
    expect(h.apps.hash.select(`${DOMAIN}-last_dial`, '1001')).toBe(dest);
  });
});

describe('redial, call return, operator, ring groups', () => {
  it('870 dials again the last number the caller dialled', async () => {
    h = await makeHarness();
    register(h, '1007');
    h.sofia.script(/./, { answerMs: 1, byeAfterMs: 1 });
    await dial('1007').done;
    const again = dial('870');
    await again.done;
    expect(h.sofia.legs.map((l) => l.target)).toEqual(['internal/sip:1007@127.0.0.1:5070', 'internal/sip:1007@127.0.0.1:5070']);
    expect(again.channel.profile.rdnis).toBe('870');
  });

  it('870 with nothing dialled before ends as no route', async () => {
    h = await makeHarness();
    const { channel, done } = dial('870', '1009');
    await done;
    expect(channel.hangupCause).toBe('NO_ROUTE_DESTINATION');
  });

  it('*69 calls back whoever called last', async () => {
    h = await makeHarness();
    register(h, '1001');
    h.sofia.script(/./, { refuseStatus: 486 });
    await dial('1004', '1001').done; // 1001 calls 1004 (not registered)
    const back = dial('*69', '1004');
    await back.done;
    expect(h.sofia.legs.map((l) => l.target)).toEqual(['internal/sip:1001@127.0.0.1:5070']);
    expect(back.channel.hangupCause).toBe('USER_BUSY');
  });

  it('0 reaches 1000 through features please_hold (answered, then bridged)', async () => {
    h = await makeHarness();
    register(h, '1000');
    h.sofia.script(/./, { answerMs: 1, byeAfterMs: 1 });
    const { channel, leg, done } = dial('0');
    await done;
    expect(leg.calls[0]).toBe('answer');
    expect(h.sofia.legs.map((l) => l.target)).toEqual(['internal/sip:1000@127.0.0.1:5070']);
    expect(channel.getVariable('transfer_history')!.split('|').map((e) => e.replace(/^\d+:[^:]+:bl_xfer:/, ''))).toEqual(['1000/features/XML', '1000/default/XML']);
  });

  it.each([
    ['2000', '1002'],
    ['2001', '1013'],
    ['2002', '1009'],
  ])('%s rings the registered member %s of its group', async (dest, member) => {
    h = await makeHarness();
    register(h, member);
    h.sofia.script(/./, { answerMs: 1, byeAfterMs: 1 });
    const { channel, done } = dial(dest);
    await done;
    expect(h.sofia.legs.map((l) => l.target)).toEqual([`internal/sip:${member}@127.0.0.1:5070`]);
    expect(channel.getVariable('originate_disposition')).toBe('SUCCESS');
  });
});

describe('the public context', () => {
  it('sends 1000-1019 on to the default context, marked as an outside call', async () => {
    h = await makeHarness();
    register(h, '1010');
    h.sofia.script(/./, { answerMs: 1, byeAfterMs: 1 });
    const { channel, done } = h.ep.call(h.core, { dest: '1010', cidNumber: '5551234', context: 'public', variables: { domain_name: DOMAIN } });
    await done;
    expect(channel.getVariable('outside_call')).toBe('true');
    expect(channel.profile.context).toBe('default');
    expect(h.sofia.legs.map((l) => l.target)).toEqual(['internal/sip:1010@127.0.0.1:5070']);
  });

  it.each(['9999', '2000', '870'])('refuses %s with NO_ROUTE_DESTINATION', async (dest) => {
    h = await makeHarness();
    const { channel, leg, done } = h.ep.call(h.core, { dest, cidNumber: '5551234', context: 'public' });
    await done;
    expect(channel.hangupCause).toBe('NO_ROUTE_DESTINATION');
    expect(leg.finalStatus).toBe(404);
  });
});

describe('features', () => {
  it('is_transfer: the callee sends the caller to ${digits}, then leaves', async () => {
    h = await makeHarness();
    register(h, '1003');
    register(h, '1004');
    h.sofia.script(/1003/, { answerMs: 1 }).script(/1004/, { answerMs: 1, byeAfterMs: 1 });
    const { channel: a, done } = dial('1003');
    await until(() => a.partner !== undefined, 'the bridge to 1003');
    const b = a.partner!;
    b.setVariable('digits', '1004'); // what dx's `read` collects
    await h.core.execute(b, 'execute_extension', 'is_transfer XML features');
    await done;
    await settle();
    expect(b.hangupCause).toBe('NORMAL_CLEARING');
    expect(h.sofia.legs.map((l) => l.target)).toEqual(['internal/sip:1003@127.0.0.1:5070', 'internal/sip:1004@127.0.0.1:5070']);
    expect(a.profile.rdnis).toBe('1003');
    expect(h.core.channelCount).toBe(0);
  });

  it('is_transfer without digits does nothing (eval cancel transfer)', async () => {
    h = await makeHarness();
    const { channel, done } = h.ep.call(h.core, { dest: 'is_transfer', context: 'features' });
    await done;
    expect(channel.hangupCause).toBe('NORMAL_CLEARING');
    expect(channel.getVariable('last_app')).toBe('eval');
  });
});
