import { describe, expect, test } from 'vitest';
import { parseBool, parseCidr, parseCidrList, parseInteger, parsePort } from '../../../src/config/values.js';

describe('parseBool follows FreeSWITCH spellings', () => {
  test.each([
    ['true', true], ['TRUE', true], ['yes', true], ['on', true], ['t', true], ['enabled', true], ['active', true], ['allow', true], ['1', true], ['5', true],
    ['false', false], ['no', false], ['off', false], ['f', false], ['disabled', false], ['inactive', false], ['disallow', false], ['0', false],
    ['maybe', undefined], ['', undefined], ['1.5', undefined],
  ])('%j → %j', (input, expected) => {
    expect(parseBool(input)).toBe(expected);
  });
});

describe('numbers', () => {
  test.each([
    ['5060', 5060], [' 42 ', 42], ['-3', -3], ['12abc', undefined], ['1.5', undefined], ['', undefined], ['0x10', undefined],
  ])('parseInteger(%j) → %j', (input, expected) => {
    expect(parseInteger(input)).toBe(expected);
  });

  test.each([
    ['0', 0], ['65535', 65535], ['65536', undefined], ['-1', undefined], ['http', undefined],
  ])('parsePort(%j) → %j', (input, expected) => {
    expect(parsePort(input)).toBe(expected);
  });
});

describe('CIDR', () => {
  test.each([
    ['10.0.0.0/8', { address: '10.0.0.0', bits: 8, family: 4 }],
    ['192.0.2.7', { address: '192.0.2.7', bits: 32, family: 4 }],
    ['2001:db8::/32', { address: '2001:db8::', bits: 32, family: 6 }],
    ['10.0.0.0/33', undefined],
    ['10.0.0/8', undefined],
    ['example.com/24', undefined],
    ['10.0.0.0/x', undefined],
  ])('parseCidr(%j)', (input, expected) => {
    expect(parseCidr(input)).toEqual(expected);
  });

  test('parseCidrList accepts several blocks separated by commas and rejects any bad one', () => {
    expect(parseCidrList('10.0.0.0/8, 192.0.2.1/32')).toEqual(['10.0.0.0/8', '192.0.2.1/32']);
    expect(parseCidrList('10.0.0.0/8,nope')).toBeUndefined();
    expect(parseCidrList(' , ')).toBeUndefined();
  });
});
