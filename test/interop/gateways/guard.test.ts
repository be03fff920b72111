// The toll-fraud guard on a fresh install: while default_password is still the shipped 1234,
// the switch warns at start-up and refuses every call through a gateway (403,
// OUTGOING_CALL_BARRED, with a WARNING line naming the reason); the carrier never sees an
// INVITE. Changing default_password in vars.xml and running reloadxml lifts it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerAvailable, startSwitch, type RunningSwitch } from '../harness.js';
import { cli, confCopy, dial, inviteFinals, receivedMessages, startSipp, waitUntil, type ConfCopy, type SippPeer } from './helpers.js';

const hasSipp = peerAvailable('sipp');

describe.skipIf(!hasSipp)('the default-password guard', () => {
  let sw: RunningSwitch;
  let conf: ConfCopy;
  let carrier: SippPeer;
  const peers: SippPeer[] = [];

  beforeAll(async () => {
    carrier = await startSipp('uas-invite-401-expect-auth-200-bye.xml', { timeoutSec: 300 });
    peers.push(carrier);
    conf = confCopy({
      replaceExample: true,
      gateways: [{ name: 'carrier', params: { username: 'joe', password: 's3cret', register: 'false', proxy: `127.0.0.1:${carrier.port}` } }],
    });
    sw = await startSwitch({ confDir: conf.dir, vars: { default_provider: 'carrier' } });
  });
  afterAll(async () => {
    for (const p of peers) await p.stop();
    if (sw) expect(await sw.stop()).toBe(0);
    conf?.remove();
  });

  it('warns at start-up that gateway calls will be refused', () => {
    const warning = sw.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('default_password is still 1234'));
    expect(warning).toMatchObject({ level: 40, mod: 'sofia.gateway', gateways: ['carrier'] });
  });

  it('refuses 9 + number with 403 OUTGOING_CALL_BARRED and a warning; the carrier sees nothing', async () => {
    const caller = await dial(sw, '1001', '92125551234', { password: '1234' });
    peers.push(caller);
    expect(await caller.exit()).toBe(0);
    expect(inviteFinals(caller.messages())).toEqual([403]);
    expect(receivedMessages(caller.messages(), 'SIP/2.0 403')[0]).toMatch(/Reason: Q\.850;cause=52;text="OUTGOING_CALL_BARRED"/);
    expect(receivedMessages(carrier.messages(), 'INVITE ')).toHaveLength(0);
    const line = 'call through gateway carrier refused: default_password is still 1234 (change it in vars.xml, then reloadxml)';
    await waitUntil(() => sw.logs.some((l) => l.msg === line && l.level === 40), 3000, 'the WARNING line');
  });

  it('lets the call through once default_password is changed and reloadxml has run', async () => {
    const vars = join(conf.dir, 'vars.xml');
    writeFileSync(vars, readFileSync(vars, 'utf8').replace('data="default_password=1234"', 'data="default_password=now-changed"'));
    expect(await cli(sw, 'reloadxml')).toBe('+OK [Success]\n');
    const caller = await dial(sw, '1001', '92125551234', { password: 'now-changed' });
    peers.push(caller);
    expect(await caller.exit()).toBe(0);
    expect(inviteFinals(caller.messages())).toEqual([200]);
    await waitUntil(() => receivedMessages(carrier.messages(), 'BYE ').length === 1, 5000, 'the BYE at the carrier');
  });
});
