import { describe, expect, it } from 'vitest';
import { bindingKey, normaliseUri, splitSipUri } from '../../../src/registrar/index.js';

describe('splitSipUri', () => {
  it('splits user, host, port and params', () => {
    const p = splitSipUri('sip:1000@192.168.1.50:5062;transport=udp;ob?X-Foo=bar');
    expect(p).toEqual({
      scheme: 'sip',
      user: '1000',
      host: '192.168.1.50',
      port: 5062,
      params: new Map<string, string | undefined>([
        ['transport', 'udp'],
        ['ob', undefined],
      ]),
    });
  });

  it('keeps IPv6 brackets and reads the port after them', () => {
    expect(splitSipUri('sips:alice@[2001:db8::1]:5071')).toMatchObject({ scheme: 'sips', host: '[2001:db8::1]', port: 5071 });
  });

  it('accepts a URI inside angle brackets and one without user', () => {
    expect(splitSipUri('<sip:pbx.example.com>')).toMatchObject({ user: undefined, host: 'pbx.example.com', port: undefined });
  });

  for (const bad of ['', 'nocolon', ':x', 'sip:', 'sip:host:99999', 'sip:[::1', 'sip:a@b c', 'sip:host:abc', `sip:${'a'.repeat(5000)}`]) {
    it(`returns undefined for ${JSON.stringify(bad.slice(0, 20))}`, () => {
      expect(splitSipUri(bad)).toBeUndefined();
    });
  }
});

describe('normaliseUri (RFC 3261 §19.1.4)', () => {
  const equal: Array<[string, string]> = [
    ['sip:1000@PBX.Example.COM', 'SIP:1000@pbx.example.com'],
    ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
    ['sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com'],
    ['sip:1000@10.0.0.5:5060;line=abc;ob', 'sip:1000@10.0.0.5:5060'],
  ];
  for (const [a, b] of equal) {
    it(`${a} equals ${b}`, () => {
      expect(normaliseUri(a)).toBe(normaliseUri(b));
    });
  }
  const different: Array<[string, string]> = [
    ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'],
    ['sip:1000@10.0.0.5:5060', 'sip:1000@10.0.0.5:5062'],
    ['sip:1000@10.0.0.5', 'sips:1000@10.0.0.5'],
  ];
  for (const [a, b] of different) {
    it(`${a} differs from ${b}`, () => {
      expect(normaliseUri(a)).not.toBe(normaliseUri(b));
    });
  }
});

describe('bindingKey', () => {
  it('uses the instance ID and reg-id when the phone sends them, whatever its contact', () => {
    const a = bindingKey({ contactUri: 'sip:1000@10.0.0.5:5060', instanceId: '<urn:uuid:ABC>', regId: 1 });
    const b = bindingKey({ contactUri: 'sip:1000@10.0.0.99:40000', instanceId: '<urn:uuid:abc>', regId: 1 });
    expect(a).toBe(b);
    expect(bindingKey({ contactUri: 'sip:1000@10.0.0.5:5060', instanceId: '<urn:uuid:abc>', regId: 2 })).not.toBe(a);
  });

  it('uses the normalised contact otherwise', () => {
    expect(bindingKey({ contactUri: 'sip:1000@HOST:5060' })).toBe(bindingKey({ contactUri: 'sip:1000@host:5060;ob' }));
  });
});
