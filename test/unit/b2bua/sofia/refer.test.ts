// Reading a REFER's Refer-To and a Replaces header (RFC 3515, RFC 3891): what is accepted,
// and the status each bad one gets.
import { describe, expect, it } from 'vitest';
import { parseMessage, type SipRequest } from '../../../../src/sip/index.js';
import { parseReplaces, readReferTo } from '../../../../src/b2bua/sofia/refer.js';

function refer(...referTo: string[]): SipRequest {
  const lines = [
    'REFER sip:1000@127.0.0.1 SIP/2.0', 'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKrefer1', 'From: <sip:1001@127.0.0.1>;tag=a',
    'To: <sip:1000@127.0.0.1>;tag=b', 'Call-ID: refer-test', 'CSeq: 2 REFER', 'Max-Forwards: 70',
    ...referTo.map((r) => `Refer-To: ${r}`), 'Content-Length: 0', '', '',
  ];
  return parseMessage(Buffer.from(lines.join('\r\n'))) as SipRequest;
}

describe('readReferTo', () => {
  it('takes one SIP URI and its user', () => {
    const r = readReferTo(refer('<sip:1002@127.0.0.1>'));
    expect(r).toMatchObject({ ok: true, user: '1002', replaces: undefined });
  });

  it('reads an escaped Replaces out of the URI headers', () => {
    const r = readReferTo(refer('<sip:1002@127.0.0.1?Replaces=abc%40host%3Bto-tag%3Dt1%3Bfrom-tag%3Df1>'));
    expect(r).toMatchObject({ ok: true, user: '1002', replaces: { callId: 'abc@host', toTag: 't1', fromTag: 'f1', earlyOnly: false } });
  });

  it('answers 400 without a Refer-To, with two, or with a malformed one or a malformed Replaces', () => {
    expect(readReferTo(refer())).toMatchObject({ ok: false, status: 400 });
    expect(readReferTo(refer('<sip:1002@127.0.0.1>', '<sip:1003@127.0.0.1>'))).toMatchObject({ ok: false, status: 400 });
    expect(readReferTo(refer('<sip:1002@127.0.0.1?Replaces=abc%3Bto-tag%3Dt1>'))).toMatchObject({ ok: false, status: 400 });
  });

  it('answers 403 for a scheme the switch does not route', () => {
    expect(readReferTo(refer('<http://example.com/x>'))).toMatchObject({ ok: false, status: 403 });
    expect(readReferTo(refer('<tel:+15551234>'))).toMatchObject({ ok: false, status: 403 });
  });
});

describe('parseReplaces', () => {
  it('needs the Call-ID and both tags; early-only is a flag', () => {
    expect(parseReplaces('id@h;to-tag=1;from-tag=2;early-only')).toEqual({ callId: 'id@h', toTag: '1', fromTag: '2', earlyOnly: true });
    expect(parseReplaces('id@h;from-tag=2')).toBeUndefined();
    expect(parseReplaces(';to-tag=1;from-tag=2')).toBeUndefined();
  });
});
