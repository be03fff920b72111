import { describe, expect, it } from 'vitest';
import { AbsoluteUri, parseNameAddr, parseUri, parseVia, SipUri, TelUri, unescapeUri } from '../../../src/sip/index.js';

describe('URI parsing', () => {
  it.each([
    ['sip:1000@192.168.1.10', { scheme: 'sip', user: '1000', host: '192.168.1.10', port: undefined }],
    ['sips:alice:secret@example.com:5061;transport=tcp', { scheme: 'sips', user: 'alice', password: 'secret', host: 'example.com', port: 5061 }],
    ['sip:[2001:db8::1]:5070;lr', { host: '2001:db8::1', port: 5070 }],
    ['SIP:Bob@Example.COM', { scheme: 'sip', user: 'Bob', host: 'Example.COM' }],
    ['sip:example.com', { user: undefined, host: 'example.com' }],
    ['sip:1002@10.0.0.1?Replaces=abc@10.0.0.5%3Bto-tag%3D1%3Bfrom-tag%3D2', { user: '1002', host: '10.0.0.1' }],
  ])('parses %s', (text, fields) => {
    const uri = parseUri(text);
    expect(uri).toBeInstanceOf(SipUri);
    expect(uri).toMatchObject(fields);
  });

  it('keeps parameters and headers in order and writes them back', () => {
    const uri = parseUri('sip:1001@10.0.0.2:5062;transport=TCP;lr;ob?Subject=hi&Priority=urgent') as SipUri;
    expect([...uri.params.entries()]).toEqual([['transport', 'TCP'], ['lr', null], ['ob', null]]);
    expect(uri.transport).toBe('tcp');
    expect(uri.headers).toEqual([['Subject', 'hi'], ['Priority', 'urgent']]);
    expect(uri.toString()).toBe('sip:1001@10.0.0.2:5062;transport=TCP;lr;ob?Subject=hi&Priority=urgent');
  });

  it('parses tel URIs and keeps other schemes opaque', () => {
    const tel = parseUri('tel:+1-201-555-0123;phone-context=example.com');
    expect(tel).toBeInstanceOf(TelUri);
    expect((tel as TelUri).number).toBe('+1-201-555-0123');
    const urn = parseUri('urn:service:sos');
    expect(urn).toBeInstanceOf(AbsoluteUri);
    expect(urn?.scheme).toBe('urn');
  });

  it.each([
    ['no scheme', 'user@example.com'],
    ['an unbracketed IPv6 host', 'sip:2001:db8::10'],
    ['a port out of range', 'sip:a@b:70000'],
    ['whitespace', 'sip:a b@c'],
    ['angle brackets', '<sip:a@b>'],
    ['an empty host', 'sip:a@'],
    ['an empty user', 'sip:@host'],
    ['three colons in IPv6', 'sip:[2001:db8:::192.0.2.1]'],
  ])('rejects %s', (_why, text) => {
    expect(parseUri(text)).toBeUndefined();
  });

  it('decodes escapes once', () => {
    expect(unescapeUri('value%2541')).toBe('value%41');
    expect(unescapeUri('null-%00-null')).toBe('null-\0-null');
    expect(unescapeUri('100%')).toBe('100%');
  });
});

describe('name-addr and Via values', () => {
  it('reads display names, tags and the wildcard', () => {
    expect(parseNameAddr('"Extension 1000" <sip:1000@h>;tag=abc')).toMatchObject({ display: 'Extension 1000', uri: 'sip:1000@h', tag: 'abc' });
    expect(parseNameAddr('Bob <sip:b@h>')?.display).toBe('Bob');
    expect(parseNameAddr('sip:b@h;tag=9')).toMatchObject({ display: undefined, uri: 'sip:b@h', tag: '9' });
    expect(parseNameAddr('*')?.wildcard).toBe(true);
    expect(parseNameAddr('"unclosed <sip:a@b>')).toBeUndefined();
    expect(parseNameAddr('Bell, Alexander <sip:a@b>')).toBeUndefined();
    expect(parseNameAddr('sip:a@b?Route=x')).toBeUndefined();
  });

  it('writes a name-addr back with quoting', () => {
    const na = parseNameAddr('"Joe \\"the\\" Phone" <sip:j@h>;tag=1')!;
    expect(na.display).toBe('Joe "the" Phone');
    expect(na.toString()).toBe('"Joe \\"the\\" Phone" <sip:j@h>;tag=1');
  });

  it('reads Via sent-by, branch, rport and received', () => {
    const v = parseVia('SIP/2.0/udp 10.0.0.5:5062;branch=z9hG4bKabc;rport;received=1.2.3.4')!;
    expect(v.transport).toBe('UDP');
    expect(v.sentBy).toBe('10.0.0.5:5062');
    expect(v.branch).toBe('z9hG4bKabc');
    expect(v.rport).toBeNull();
    expect(v.received).toBe('1.2.3.4');
    expect(parseVia('SIP/2.0/TCP [::1]:5060;branch=z9hG4bKx')?.host).toBe('::1');
    expect(parseVia('SIP/2.0/UDP 192.0.2.15;;,;,,')).toBeUndefined();
    expect(parseVia('HTTP/1.1/TCP h')).toBeUndefined();
  });
});
