// The shipped default dialplan's outside routes (9 + number through ${default_gateway}) on the
// real core: which toll_allow dials which number shape, the 403 for the rest, the caller id
// the gateway leg carries, the limit it takes, and the public context never reaching a gateway.
import { afterEach, describe, expect, it } from 'vitest';
import { DOMAIN, callerVars, logsOf, makeHarness, settle, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.close());

const ALL = 'domestic,international,local';

/** 1001 dials `dest` from the default context with `tollAllow` (undefined: none at all). */
async function dial(dest: string, tollAllow: string | undefined, context = 'default') {
  const vars: Record<string, string> = {
    ...callerVars('1001'),
    default_gateway: 'example.com',
    outbound_caller_id_number: '0000000000',
    outbound_caller_id_name: 'FreeSWITCH',
  };
  if (tollAllow !== undefined) vars.toll_allow = tollAllow;
  if (context !== 'default') {
    delete vars.user_context;
    delete vars.default_gateway;
  }
  h!.sofia.script(/^gateway\//, { refuseStatus: 503, refuseMs: 1 });
  const call = h!.ep.call(h!.core, { dest, cidNumber: '1001', cidName: 'Extension 1001', context, variables: vars });
  await call.done;
  await settle();
  return call;
}

describe('9 + number through the default gateway', () => {
  it.each([
    ['900441632960123', ALL, '00441632960123'],
    ['9011441632960123', 'international', '011441632960123'],
    ['92125551234', 'domestic', '2125551234'],
    ['919185551234', 'domestic,local', '19185551234'],
    ['95551234', 'local', '5551234'],
  ])('%s with toll_allow %s dials gateway example.com with %s', async (dest, toll, number) => {
    h = await makeHarness();
    const { channel } = await dial(dest, toll);
    expect(h.sofia.legs.map((l) => l.target)).toEqual([`gateway/example.com/${number}`]);
    const leg = h.sofia.legs[0]!.channel;
    expect(leg.profile.callerIdNumber).toBe('0000000000');
    expect(leg.profile.callerIdName).toBe('FreeSWITCH');
    expect(channel.getVariable('limit_usage_outbound_example.com')).toBe('1');
    expect(channel.hangupCause).toBe('NORMAL_TEMPORARY_FAILURE');
  });

  it.each([
    ['900441632960123', 'domestic,local'],
    ['9011441632960123', 'domestic,local'],
    ['900441632960123', 'local'],
    ['92125551234', 'local,international'],
    ['95551234', 'domestic,international'],
    ['95551234', ''],
    ['95551234', undefined],
  ])('%s with toll_allow [%s] is refused with OUTGOING_CALL_BARRED (403) and no leg', async (dest, toll) => {
    h = await makeHarness();
    const { channel, leg } = await dial(dest, toll);
    expect(h.sofia.legs).toHaveLength(0);
    expect(channel.hangupCause).toBe('OUTGOING_CALL_BARRED');
    expect(leg.finalStatus).toBe(403);
    expect(logsOf(h, channel).some((r) => typeof r.msg === 'string' && r.msg.startsWith('outside call to') && r.msg.includes('refused'))).toBe(true);
  });

  it.each(['95551234', '900441632960123', '5551212'])('the public context never dials a gateway (%s)', async (dest) => {
    h = await makeHarness();
    const { channel } = await dial(dest, undefined, 'public');
    expect(h.sofia.legs.filter((l) => l.target.startsWith('gateway/'))).toHaveLength(0);
    if (dest === '5551212') {
      // The DID rings extension 1000 (not registered here: USER_NOT_REGISTERED), through default.
      expect(channel.profile.context).toBe('default');
      expect(channel.getVariable('domain_name')).toBe(DOMAIN);
    } else {
      expect(channel.hangupCause).toBe('NO_ROUTE_DESTINATION');
    }
  });
});
