// The registrar's events on the event socket, received by the real modesl client:
// CUSTOM sofia::register on a new binding (and update-reg on a refresh), sofia::unregister on
// Expires: 0, sofia::expire when the switch drops a binding (flush_inbound_reg here; the
// expiry sweep publishes the same event and is covered by the unit tests).
import esl, { type Connection, type Event as EslEvent } from 'modesl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerAvailable, startSwitch, type RunningSwitch } from '../harness.js';
import { Phone } from '../../unit/registrar/phone.js';
import { cli, waitUntil } from './helpers.js';

const hasSipp = peerAvailable('sipp');

describe.skipIf(!hasSipp)('registration events through modesl', () => {
  let sw: RunningSwitch;
  let conn: Connection;
  const events: EslEvent[] = [];
  beforeAll(async () => {
    sw = await startSwitch();
    conn = await new Promise<Connection>((resolve, reject) => {
      const c = new esl.Connection('127.0.0.1', sw.eslPort, 'ClueCon');
      c.once('esl::ready', () => resolve(c));
      c.once('error', reject);
    });
    await new Promise<void>((resolve) => conn.events('plain', 'CUSTOM sofia::register sofia::unregister sofia::expire', () => resolve()));
    conn.on('esl::event::CUSTOM::*', (e: EslEvent) => events.push(e));
  });
  afterAll(async () => {
    conn.socket?.destroy();
    expect(await sw.stop()).toBe(0);
  });

  const of = (subclass: string) => events.filter((e) => e.getHeader('Event-Subclass') === subclass);

  it('delivers sofia::register, then update-reg on a refresh, sofia::unregister and sofia::expire', async () => {
    const p = await Phone.udp(sw.internalPort);
    try {
      expect((await p.register({ user: '1000', password: '1234', expires: '3600', userAgent: 'Yealink SIP-T46S 66.86.0.15' })).final.status).toBe(200);
      await waitUntil(() => of('sofia::register').length === 1, 5000, 'sofia::register');
      const reg = of('sofia::register')[0]!;
      expect(reg.getHeader('Event-Name')).toBe('CUSTOM');
      expect(reg.getHeader('profile-name')).toBe('internal');
      expect(reg.getHeader('from-user')).toBe('1000');
      expect(reg.getHeader('from-host')).toBe('127.0.0.1');
      expect(reg.getHeader('contact')).toBe(`"" <sip:1000@127.0.0.1:${p.port}>`);
      expect(reg.getHeader('call-id')).toBe(p.callId);
      expect(reg.getHeader('status')).toBe('Registered(UDP)');
      expect(reg.getHeader('expires')).toBe('3600');
      expect(reg.getHeader('network-ip')).toBe('127.0.0.1');
      expect(reg.getHeader('network-port')).toBe(String(p.port));
      expect(reg.getHeader('username')).toBe('1000');
      expect(reg.getHeader('realm')).toBe('127.0.0.1');
      expect(reg.getHeader('user-agent')).toBe('Yealink SIP-T46S 66.86.0.15');
      expect(reg.getHeader('user_context')).toBe('default');
      expect(reg.getHeader('update-reg')).toBeNull();

      expect((await p.register({ user: '1000', password: '1234', expires: '1800' })).final.status).toBe(200);
      await waitUntil(() => of('sofia::register').length === 2, 5000, 'the refresh');
      expect(of('sofia::register')[1]!.getHeader('update-reg')).toBe('true');

      expect((await p.register({ user: '1000', password: '1234', expires: '0' })).final.status).toBe(200);
      await waitUntil(() => of('sofia::unregister').length === 1, 5000, 'sofia::unregister');
      const un = of('sofia::unregister')[0]!;
      expect([un.getHeader('from-user'), un.getHeader('call-id'), un.getHeader('expires')]).toEqual(['1000', p.callId, '0']);

      expect((await p.register({ user: '1000', password: '1234', expires: '3600' })).final.status).toBe(200);
      expect(await cli(sw, 'sofia profile internal flush_inbound_reg 1000@127.0.0.1')).toBe('+OK flushing all registrations matching specified user@host\n');
      await waitUntil(() => of('sofia::expire').length === 1, 5000, 'sofia::expire');
      const ex = of('sofia::expire')[0]!;
      expect([ex.getHeader('profile-name'), ex.getHeader('user'), ex.getHeader('host'), ex.getHeader('call-id')]).toEqual(['internal', '1000', '127.0.0.1', p.callId]);
      expect(await cli(sw, 'sofia status profile internal reg')).toContain('Total items returned: 0\n');
    } finally {
      p.close();
    }
  });
});
