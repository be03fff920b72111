import { describe, expect, it } from 'vitest';
import { Dialog, SipRequest, createResponse, withoutTag } from '../../../../src/sip/index.js';

function invite(): SipRequest {
  const req = new SipRequest('INVITE', 'sip:1000@10.0.0.1');
  req.addHeader('Via', 'SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKinv1;rport');
  req.addHeader('Record-Route', '<sip:p1.example.com;lr>, <sip:p2.example.com;lr>');
  req.addHeader('From', '"Alice" <sip:1001@10.0.0.1>;tag=a1');
  req.addHeader('To', '<sip:1000@10.0.0.1>');
  req.addHeader('Call-ID', 'dlg-1');
  req.addHeader('CSeq', '7 INVITE');
  req.addHeader('Contact', '<sip:1001@10.0.0.2:5062>');
  return req;
}

describe('dialog creation', () => {
  it('a UAS dialog takes route set, remote target and remote CSeq from the request (§12.1.1)', () => {
    const req = invite();
    const res = createResponse(req, 200, { toTag: 'b1' });
    const d = Dialog.asUas(req, res, '<sip:1000@10.0.0.1:5060>');
    expect(d.id).toEqual({ callId: 'dlg-1', localTag: 'b1', remoteTag: 'a1' });
    expect(d.state).toBe('confirmed');
    expect(d.remoteTarget).toBe('sip:1001@10.0.0.2:5062');
    expect(d.routeSet).toEqual(['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    expect(d.remoteSeq).toBe(7);
    expect(d.localUri).toBe('<sip:1000@10.0.0.1>');
    expect(d.remoteUri).toBe('"Alice" <sip:1001@10.0.0.1>');
  });

  it('a UAC dialog reverses the Record-Route of the response (§12.1.2) and is early on a 1xx', () => {
    const req = invite();
    req.removeHeader('record-route');
    const ringing = createResponse(req, 180, { toTag: 'b1' });
    ringing.addHeader('Record-Route', '<sip:p1.example.com;lr>, <sip:p2.example.com;lr>');
    ringing.addHeader('Contact', '<sip:1000@10.0.0.9:5070>');
    const d = Dialog.asUac(req, ringing, '<sip:1001@10.0.0.2:5062>');
    expect(d.state).toBe('early');
    expect(d.routeSet).toEqual(['<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>']);
    expect(d.remoteTarget).toBe('sip:1000@10.0.0.9:5070');
    expect(d.localSeq).toBe(7);
    const ok = createResponse(req, 200, { toTag: 'b1' });
    ok.addHeader('Contact', '<sip:1000@10.0.0.9:5072>');
    d.updateFromResponse(ok);
    expect(d.state).toBe('confirmed');
    expect(d.remoteTarget).toBe('sip:1000@10.0.0.9:5072');
  });
});

describe('in-dialog requests', () => {
  it('builds BYE with the next CSeq, tags, and loose routes (§12.2.1.1)', () => {
    const req = invite();
    const d = Dialog.asUas(req, createResponse(req, 200, { toTag: 'b1' }), '<sip:1000@10.0.0.1:5060>');
    d.localSeq = 100;
    const bye = d.createRequest('BYE');
    expect(bye.uri).toBe('sip:1001@10.0.0.2:5062');
    expect(bye.getAll('route')).toEqual(['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    expect(bye.cseq).toEqual({ seq: 101, method: 'BYE' });
    expect(bye.fromTag).toBe('b1');
    expect(bye.toTag).toBe('a1');
    expect(bye.has('contact')).toBe(false);
    const reinvite = d.createRequest('INVITE', { body: 'v=0\r\n', contentType: 'application/sdp' });
    expect(reinvite.cseq?.seq).toBe(102);
    expect(reinvite.get('contact')).toBe('<sip:1000@10.0.0.1:5060>');
    expect(reinvite.get('content-length')).toBe('5');
    expect(d.nextHopUri()).toBe('sip:p1.example.com;lr');
  });

  it('sends to a strict router with the remote target last in Route', () => {
    const req = invite();
    req.setHeader('Record-Route', '<sip:strict.example.com>');
    const d = Dialog.asUas(req, createResponse(req, 200, { toTag: 'b1' }), '<sip:1000@10.0.0.1>');
    const bye = d.createRequest('BYE');
    expect(bye.uri).toBe('sip:strict.example.com');
    expect(bye.getAll('route')).toEqual(['<sip:1001@10.0.0.2:5062>']);
  });

  it('ACK for a 2xx carries the INVITE CSeq number and does not advance the local CSeq', () => {
    const req = invite();
    req.removeHeader('record-route');
    const d = Dialog.asUac(req, createResponse(req, 200, { toTag: 'b1' }), '<sip:1001@10.0.0.2:5062>');
    const ack = d.createRequest('ACK', { cseq: 7 });
    expect(ack.cseq).toEqual({ seq: 7, method: 'ACK' });
    expect(d.createRequest('BYE').cseq?.seq).toBe(8);
  });

  it('refuses an out-of-order CSeq with 500 and refreshes the target on re-INVITE (§12.2.2)', () => {
    const req = invite();
    const d = Dialog.asUas(req, createResponse(req, 200, { toTag: 'b1' }), '<sip:1000@10.0.0.1>');
    const old = new SipRequest('INFO', 'sip:1000@10.0.0.1');
    old.addHeader('CSeq', '6 INFO');
    expect(d.receiveRequest(old)).toEqual({ ok: false, status: 500, reason: 'CSeq Out Of Order' });
    const re = new SipRequest('INVITE', 'sip:1000@10.0.0.1');
    re.addHeader('CSeq', '8 INVITE');
    re.addHeader('Contact', '<sip:1001@192.0.2.7:5062>');
    expect(d.receiveRequest(re)).toEqual({ ok: true });
    expect(d.remoteTarget).toBe('sip:1001@192.0.2.7:5062');
    expect(d.remoteSeq).toBe(8);
  });

  it('withoutTag strips only the tag parameter', () => {
    expect(withoutTag('"A" <sip:a@h>;tag=1;x=2')).toBe('"A" <sip:a@h>;x=2');
    expect(withoutTag('<sip:a@h>')).toBe('<sip:a@h>');
  });
});
