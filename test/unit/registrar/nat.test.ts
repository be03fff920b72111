import { describe, expect, it } from 'vitest';
import {
  detectNat,
  fsContactString,
  fsPath,
  NetworkList,
  reachAddress,
  registrationStatus,
  type NatInput,
  type NatResult,
} from '../../../src/registrar/index.js';

const base: NatInput = {
  contactHost: '203.0.113.7',
  contactPort: 5060,
  viaHost: '203.0.113.7',
  viaPort: 5060,
  sourceIp: '203.0.113.7',
  sourcePort: 5060,
  transport: 'udp',
};

const rows: Array<[string, Partial<NatInput>, NatResult]> = [
  ['a public phone talking from its own address is not NAT', {}, { natted: false, reason: undefined }],
  ['a private Contact seen from a public address is NAT (nat.auto)', { contactHost: '192.168.0.20', sourceIp: '198.51.100.4', sourcePort: 40912 }, { natted: true, reason: 'contact-in-nat-acl' }],
  ['a CGNAT Contact is NAT', { contactHost: '100.64.1.2' }, { natted: true, reason: 'contact-in-nat-acl' }],
  ['a private Contact on the local network is not NAT', { contactHost: '192.168.1.50', sourceIp: '192.168.1.50', localNetworks: ['192.168.1.0/24'] }, { natted: false, reason: undefined }],
  ['a source on the local network is never NAT', { contactHost: '10.1.1.1', sourceIp: '192.168.1.77', localNetworks: ['192.168.1.0/24'] }, { natted: false, reason: undefined }],
  ['an empty NAT ACL disables contact checks', { contactHost: '10.1.1.1', natNetworks: [] }, { natted: false, reason: undefined }],
  ['a host name Contact is not in any ACL', { contactHost: 'phone.example.com' }, { natted: false, reason: undefined }],
  ['via received is NAT with aggressive detection', { aggressive: true, viaReceived: '203.0.113.7' }, { natted: true, reason: 'via-received' }],
  ['via host mismatch is NAT with aggressive detection', { aggressive: true, viaHost: '10.0.0.2' }, { natted: true, reason: 'via-host' }],
  ['via port mismatch is NAT with aggressive detection', { aggressive: true, sourcePort: 40000 }, { natted: true, reason: 'via-port' }],
  ['a Via without port is not compared (as FreeSWITCH)', { aggressive: true, viaPort: undefined, sourcePort: 40000 }, { natted: false, reason: undefined }],
  ['via mismatches are ignored without aggressive detection', { viaHost: '10.0.0.2', sourcePort: 40000 }, { natted: false, reason: undefined }],
  ['tcp-always-nat marks TCP', { transport: 'tcp', tcpAlwaysNat: true }, { natted: true, reason: 'tcp-always-nat' }],
  ['tcp-always-nat wins over the local network', { transport: 'tcp', tcpAlwaysNat: true, localNetworks: ['203.0.113.0/24'] }, { natted: true, reason: 'tcp-always-nat' }],
  ['tls-always-nat does not touch UDP', { tlsAlwaysNat: true }, { natted: false, reason: undefined }],
  ['IPv6 ULA Contact is NAT when listed', { contactHost: '[fd00::5]', natNetworks: ['fd00::/8'] }, { natted: true, reason: 'contact-in-nat-acl' }],
  ['an ACL seen through any matcher object works', { contactHost: '198.51.100.9', natNetworks: { contains: (a: string) => a === '198.51.100.9' } }, { natted: true, reason: 'contact-in-nat-acl' }],
  ['with contactMismatch, a Contact port other than the source port is NAT', { contactMismatch: true, sourcePort: 40000 }, { natted: true, reason: 'contact-mismatch' }],
  ['with contactMismatch, a Contact host other than the source is NAT', { contactMismatch: true, sourceIp: '198.51.100.4' }, { natted: true, reason: 'contact-mismatch' }],
  ['with contactMismatch, a Contact without port compares as 5060', { contactMismatch: true, contactPort: undefined }, { natted: false, reason: undefined }],
  ['with contactMismatch, a host name Contact is unreachable, hence NAT', { contactMismatch: true, contactHost: 'phone.example.com' }, { natted: true, reason: 'contact-unreachable' }],
  ['with contactMismatch, 0.0.0.0 is unreachable, hence NAT', { contactMismatch: true, contactHost: '0.0.0.0' }, { natted: true, reason: 'contact-unreachable' }],
  ['contactMismatch does not apply to TCP (the connection is the path)', { contactMismatch: true, transport: 'tcp', sourcePort: 40000 }, { natted: false, reason: undefined }],
  ['contactMismatch yields to the local network', { contactMismatch: true, sourcePort: 40000, localNetworks: ['203.0.113.0/24'] }, { natted: false, reason: undefined }],
];

describe('detectNat', () => {
  for (const [name, patch, expected] of rows) {
    it(name, () => {
      expect(detectNat({ ...base, ...patch })).toEqual(expected);
    });
  }
});

describe('NetworkList', () => {
  it('matches addresses in its networks and rejects bad entries', () => {
    const l = new NetworkList(['10.0.0.0/8', '2001:db8::/32', '192.0.2.7']);
    expect(l.contains('10.200.1.1')).toBe(true);
    expect(l.contains('11.0.0.1')).toBe(false);
    expect(l.contains('[2001:db8::1]')).toBe(true);
    expect(l.contains('192.0.2.7')).toBe(true);
    expect(l.contains('192.0.2.8')).toBe(false);
    expect(l.contains('not-an-ip')).toBe(false);
    expect(() => new NetworkList(['10.0.0.0/33'])).toThrow(RangeError);
    expect(() => new NetworkList(['example.com/8'])).toThrow(RangeError);
  });
});

const natted = {
  user: '1000',
  displayName: 'Extension 1000',
  contactUri: 'sip:1000@192.168.1.50:5060;transport=udp',
  natted: true,
  transport: 'udp' as const,
  sourceIp: '203.0.113.7',
  sourcePort: 40912,
  connectionId: undefined,
};

describe('reach address and FreeSWITCH strings', () => {
  it('sends to the source address of a NATed binding', () => {
    expect(reachAddress(natted)).toEqual({ host: '203.0.113.7', port: 40912, transport: 'udp', connectionId: undefined });
  });

  it('sends to the Contact of a binding that is not NATed, with its transport and default port', () => {
    expect(reachAddress({ ...natted, natted: false })).toEqual({ host: '192.168.1.50', port: 5060, transport: 'udp', connectionId: undefined });
    expect(reachAddress({ ...natted, natted: false, contactUri: 'sip:1000@[2001:db8::5];transport=tcp' })).toMatchObject({ host: '2001:db8::5', port: 5060, transport: 'tcp' });
    expect(reachAddress({ ...natted, natted: false, contactUri: 'sips:1000@phone.example' })).toMatchObject({ host: 'phone.example', port: 5061 });
  });

  it('reuses the connection of a TCP registration', () => {
    expect(reachAddress({ ...natted, natted: false, transport: 'tcp', connectionId: 'c42' })).toEqual({
      host: '203.0.113.7',
      port: 40912,
      transport: 'tcp',
      connectionId: 'c42',
    });
  });

  it('shows the Contact as sofia status does (spec §6.6)', () => {
    expect(fsPath(natted)).toBe('sip:1000@203.0.113.7:40912');
    expect(fsContactString(natted)).toBe(
      '"Extension 1000" <sip:1000@192.168.1.50:5060;transport=udp;fs_nat=yes;fs_path=sip%3A1000%40203.0.113.7%3A40912>',
    );
    expect(fsContactString({ ...natted, natted: false, displayName: '' })).toBe('"" <sip:1000@192.168.1.50:5060;transport=udp>');
    expect(fsPath({ ...natted, transport: 'tcp' })).toBe('sip:1000@203.0.113.7:40912;transport=tcp');
  });

  it('names the registration status by transport and NAT', () => {
    expect(registrationStatus(natted)).toBe('Registered(UDP-NAT)');
    expect(registrationStatus({ transport: 'tls', natted: false })).toBe('Registered(TLS)');
  });
});
