// The gateway's SIP shapes: host[:port] as the params write it, the refresh point, and user
// parts escaped for URIs.
import { describe, expect, it } from 'vitest';
import { parseHostPort } from '../../../../src/b2bua/index.js';
import { escapeUser, refreshAfterSec } from '../../../../src/b2bua/sofia/gateway-registration.js';

describe('parseHostPort', () => {
  it.each([
    ['sip.carrier.example', { host: 'sip.carrier.example', port: undefined }],
    ['198.51.100.7:5070', { host: '198.51.100.7', port: 5070 }],
    ['sip:198.51.100.7:5070;transport=udp', { host: '198.51.100.7', port: 5070 }],
    ['sips:user@carrier.example', { host: 'carrier.example', port: undefined }],
    ['[2001:db8::1]:5060', { host: '2001:db8::1', port: 5060 }],
    ['2001:db8::1', { host: '2001:db8::1', port: undefined }],
    ['  carrier.example  ', { host: 'carrier.example', port: undefined }],
  ])('%s → %o', (text, expected) => {
    expect(parseHostPort(text)).toEqual(expected);
  });

  it.each(['', 'carrier.example:0', 'carrier.example:70000', 'carrier.example:abc', 'bad host', '[2001:db8::1', 'a/b'])('%j is no host[:port]', (text) => {
    expect(parseHostPort(text)).toBeUndefined();
  });
});

describe('refreshAfterSec', () => {
  it.each([[3600, 3585], [120, 105], [31, 16], [30, 15], [20, 10], [1, 1]])('granted %i s → refresh after %i s', (granted, after) => {
    expect(refreshAfterSec(granted)).toBe(after);
  });
});

describe('escapeUser', () => {
  it.each([['+15551234', '+15551234'], ['gw name', 'gw%20name'], ['a#b', 'a%23b'], ['é', '%C3%A9']])('%s → %s', (user, escaped) => {
    expect(escapeUser(user)).toBe(escaped);
  });
});
