import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import {
  SipStack, SipRequest, Dialog, createResponse, type SipResponse, type ClientTransactionUser, type ClientTransaction, type ServerTransaction, type DialogUser,
} from '../../../src/sip/index.js';
import { UdpPeer, TcpPeer, options, rawRequest } from './peers.js';

let stack: SipStack;
let peer: UdpPeer;

beforeAll(async () => {
  stack = new SipStack({
    profile: 'test', address: '127.0.0.1', port: 0, logger: silentLogger, supported: ['path', 'replaces'],
    tcp: { messageTimeoutMs: 500 },
  });
  // INVITEs to 486@ are busy, everything else rings until cancelled.
  stack.route('INVITE', (req, tx) => {
    if (req.uri.startsWith('sip:486@')) tx.reply(486);
    else tx.reply(180);
  });
  await stack.start();
  peer = await UdpPeer.open();
});

afterAll(async () => {
  peer.close();
  await stack.stop();
});

const nextResponses = async (p: UdpPeer, n: number) => (await p.waitFor(p.received.length + n)).slice(-n) as SipResponse[];

describe('the stack answers out-of-dialog requests', () => {
  it('answers OPTIONS over UDP with 200 and Allow, Accept, Supported', async () => {
    peer.send(options(peer.port, { branch: 'z9hG4bKo1' }), stack.port);
    const [res] = await nextResponses(peer, 1);
    expect(res!.status).toBe(200);
    expect(res!.get('allow')).toContain('INVITE');
    expect(res!.get('accept')).toBe('application/sdp');
    expect(res!.get('supported')).toBe('path, replaces');
    expect(res!.topVia?.received).toBe('127.0.0.1');
    expect(res!.topVia?.rport).toBe(peer.port);
    expect(res!.toTag).toBeDefined();
  });

  it('gives a retransmitted OPTIONS the same response, byte for byte', async () => {
    const req = options(peer.port, { branch: 'z9hG4bKo2' });
    peer.send(req, stack.port);
    peer.send(req, stack.port);
    await peer.waitFor(peer.received.length + 2);
    const [a, b] = peer.raw.slice(-2);
    expect(a!.equals(b!)).toBe(true);
  });

  it('answers OPTIONS over TCP on the same connection', async () => {
    const tcp = await TcpPeer.connect(stack.port);
    tcp.send(options(tcp.port, { branch: 'z9hG4bKt1', transport: 'TCP' }));
    await tcp.waitFor(() => tcp.received.length === 1);
    expect((tcp.received[0] as SipResponse).status).toBe(200);
    tcp.close();
  });

  it('answers 501 to an unknown method and 405 to a known one it does not handle, both with Allow', async () => {
    peer.send(options(peer.port, { branch: 'z9hG4bKm1', method: 'FOO' }), stack.port);
    peer.send(options(peer.port, { branch: 'z9hG4bKm2', method: 'SUBSCRIBE' }), stack.port);
    const rs = await nextResponses(peer, 2);
    expect(rs.map((r) => r.status).sort()).toEqual([405, 501]);
    for (const r of rs) expect(r.get('allow')).toBeDefined();
  });

  it('answers 416, 420 and 483 for an odd scheme, an unknown extension and exhausted Max-Forwards', async () => {
    peer.send(options(peer.port, { branch: 'z9hG4bKs1', uri: 'urn:service:sos' }), stack.port);
    let [r] = await nextResponses(peer, 1);
    expect(r!.status).toBe(416);
    peer.send(options(peer.port, { branch: 'z9hG4bKs2', extra: ['Require: 100rel, path, foo'] }), stack.port);
    [r] = await nextResponses(peer, 1);
    expect(r!.status).toBe(420);
    expect(r!.get('unsupported')).toBe('100rel, foo');
    peer.send(options(peer.port, { branch: 'z9hG4bKs3', method: 'INVITE', uri: 'sip:1000@127.0.0.1' }).replace('Max-Forwards: 70', 'Max-Forwards: 0'), stack.port);
    const rs = await nextResponses(peer, 2);
    expect(rs.map((x) => x.status)).toEqual([100, 483]);
    peer.send(options(peer.port, { branch: 'z9hG4bKs4' }).replace('Max-Forwards: 70', 'Max-Forwards: 0'), stack.port);
    [r] = await nextResponses(peer, 1);
    expect(r!.status).toBe(200); // OPTIONS ends here (RFC 4475 zeromf)
  });

  it('answers a malformed request with 400 and a reason saying what is wrong', async () => {
    peer.send(rawRequest([
      'OPTIONS sip:switch@127.0.0.1 SIP/2.0', `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKbad1;rport`, 'To: <sip:switch@127.0.0.1>', 'Call-ID: bad1', 'CSeq: 1 OPTIONS',
    ]), stack.port);
    const [r] = await nextResponses(peer, 1);
    expect(r!.status).toBe(400);
    expect(r!.reason).toBe('Missing From Header');
  });

  it('sends responses to the Via port when the request has no rport', async () => {
    const other = await UdpPeer.open();
    peer.send(options(peer.port, { branch: 'z9hG4bKnr1', rport: false, viaPort: other.port }), stack.port);
    await other.waitFor(1);
    expect((other.received[0] as SipResponse).status).toBe(200);
    other.close();
  });
});

describe('the stack runs INVITE server transactions', () => {
  it('sends 100 then the final error, and absorbs the ACK and retransmissions', async () => {
    const invite = options(peer.port, { branch: 'z9hG4bKi1', method: 'INVITE', uri: 'sip:486@127.0.0.1' });
    peer.send(invite, stack.port);
    const rs = await nextResponses(peer, 2);
    expect(rs.map((r) => r.status)).toEqual([100, 486]);
    const toTag = rs[1]!.toTag;
    peer.send(invite, stack.port); // retransmission → the 486 again
    const [again] = await nextResponses(peer, 1);
    expect(again!.status).toBe(486);
    expect(again!.toTag).toBe(toTag);
    peer.send(rawRequest([
      'ACK sip:486@127.0.0.1 SIP/2.0', `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKi1;rport`, 'From: <sip:tester@127.0.0.1>;tag=abc',
      `To: <sip:switch@127.0.0.1>;tag=${toTag}`, 'Call-ID: z9hG4bKi1@test', 'CSeq: 1 ACK', 'Max-Forwards: 70',
    ]), stack.port);
    await new Promise((r) => setTimeout(r, 700)); // past T1: a completed transaction would have retransmitted
    expect(peer.responses().filter((r) => r.callId === 'z9hG4bKi1@test' && r.status === 486)).toHaveLength(2);
    const tx = stack.transactionsForTesting().find((t) => t.key.startsWith('z9hG4bKi1|'));
    expect(tx?.state).toBe('confirmed');
  });

  it('answers CANCEL with 200 and ends the INVITE with 487', async () => {
    const invite = options(peer.port, { branch: 'z9hG4bKc1', method: 'INVITE', uri: 'sip:1000@127.0.0.1' });
    peer.send(invite, stack.port);
    await nextResponses(peer, 2); // 100, 180
    peer.send(invite.replace('INVITE sip', 'CANCEL sip').replace('CSeq: 1 INVITE', 'CSeq: 1 CANCEL'), stack.port);
    const rs = await nextResponses(peer, 2);
    expect(rs.map((r) => `${r.status} ${r.cseq?.method}`).sort()).toEqual(['200 CANCEL', '487 INVITE']);
  });

  it('issue-0005: the 200 to a CANCEL and the 487 carry the To tag of the 180 (§8.2.6.2, §9.2)', async () => {
    // Found by the CANCEL/200 races of issue 5: a caller whose CANCEL crossed our 200 could
    // not tell the two 200s apart, took the CANCEL's fresh tag for the dialog's, and its BYE
    // got 481.
    const invite = options(peer.port, { branch: 'z9hG4bKc2', method: 'INVITE', uri: 'sip:1000@127.0.0.1' });
    peer.send(invite, stack.port);
    const [trying, ringing] = await nextResponses(peer, 2);
    expect(trying!.status).toBe(100);
    expect(trying!.toTag).toBeUndefined();
    expect(ringing!.status).toBe(180);
    expect(ringing!.toTag).toBeDefined();
    peer.send(invite.replace('INVITE sip', 'CANCEL sip').replace('CSeq: 1 INVITE', 'CSeq: 1 CANCEL'), stack.port);
    const rs = await nextResponses(peer, 2);
    expect(rs.map((r) => [`${r.status} ${r.cseq?.method}`, r.toTag]).sort()).toEqual([
      ['200 CANCEL', ringing!.toTag],
      ['487 INVITE', ringing!.toTag],
    ]);
  });

  it('answers 481 to a CANCEL that matches nothing and to a request in an unknown dialog', async () => {
    peer.send(options(peer.port, { branch: 'z9hG4bKx1', method: 'CANCEL', uri: 'sip:1000@127.0.0.1' }), stack.port);
    let [r] = await nextResponses(peer, 1);
    expect(r!.status).toBe(481);
    peer.send(options(peer.port, { branch: 'z9hG4bKx2', method: 'BYE' }).replace('To: <sip:switch@127.0.0.1>', 'To: <sip:switch@127.0.0.1>;tag=nosuch'), stack.port);
    [r] = await nextResponses(peer, 1);
    expect(r!.status).toBe(481);
  });

  it('detects a merged request with 482', async () => {
    const first = options(peer.port, { branch: 'z9hG4bKmg1', method: 'INVITE', uri: 'sip:1000@127.0.0.1' }).replace(/Call-ID: .*/, 'Call-ID: merged@test');
    const second = first.replace('z9hG4bKmg1', 'z9hG4bKmg2');
    peer.send(first, stack.port);
    await nextResponses(peer, 2);
    peer.send(second, stack.port);
    const rs = await nextResponses(peer, 2);
    expect(rs.map((r) => r.status)).toEqual([100, 482]);
  });
});

describe('two stacks set up a dialog', () => {
  it('INVITE, 200, ACK, then BYE in the dialog, over UDP and over TCP', async () => {
    for (const protocol of ['udp', 'tcp'] as const) {
      const uac = new SipStack({ profile: 'uac', address: '127.0.0.1', port: 0, logger: silentLogger });
      const uas = new SipStack({ profile: 'uas', address: '127.0.0.1', port: 0, logger: silentLogger });
      await uac.start();
      await uas.start();
      const events: string[] = [];
      const dialogUser = (side: string): DialogUser => ({
        onDialogRequest(req: SipRequest, tx: ServerTransaction | undefined) {
          events.push(`${side} got ${req.method}`);
          tx?.reply(200);
        },
      });
      uas.route('INVITE', (req, tx) => {
        const res = createResponse(req, 200);
        res.addHeader('Contact', `<${uas.contactUri('bob', protocol)}>`);
        const dialog = Dialog.asUas(req, res, `<${uas.contactUri('bob', protocol)}>`);
        uas.addDialog(dialog, dialogUser('uas'));
        tx.respond(res);
      });

      const invite = new SipRequest('INVITE', `sip:bob@127.0.0.1:${uas.port}${protocol === 'tcp' ? ';transport=tcp' : ''}`);
      invite.addHeader('From', '<sip:alice@127.0.0.1>;tag=alice1');
      invite.addHeader('To', '<sip:bob@127.0.0.1>');
      invite.addHeader('Call-ID', `dlg-${protocol}@test`);
      invite.addHeader('CSeq', '1 INVITE');
      invite.addHeader('Contact', `<${uac.contactUri('alice', protocol)}>`);
      const hop = uac.hopForUri(invite.uri)!;
      const final = await new Promise<SipResponse>((resolve, reject) => {
        const user: ClientTransactionUser = {
          onResponse: (res: SipResponse, _tx: ClientTransaction) => res.status >= 200 && resolve(res),
          onTimeout: () => reject(new Error('timeout')),
          onTransportError: (_tx, e) => reject(e),
        };
        uac.sendRequest(invite, hop, user);
      });
      expect(final.status).toBe(200);
      const dialog = Dialog.asUac(invite, final, `<${uac.contactUri('alice', protocol)}>`);
      uac.addDialog(dialog, dialogUser('uac'));
      const ack = dialog.createRequest('ACK', { cseq: 1 });
      uac.sendStateless(ack, uac.hopForUri(dialog.remoteTarget)!);
      const bye = dialog.createRequest('BYE');
      const byeRes = await new Promise<SipResponse>((resolve, reject) => {
        uac.sendRequest(bye, uac.hopForUri(dialog.nextHopUri())!, {
          onResponse: (res) => res.status >= 200 && resolve(res),
          onTimeout: () => reject(new Error('timeout')),
          onTransportError: (_tx, e) => reject(e),
        });
      });
      expect(byeRes.status).toBe(200);
      expect(events).toEqual(['uas got ACK', 'uas got BYE']);
      expect(bye.cseq?.seq).toBe(2);
      await uac.stop();
      await uas.stop();
    }
  });
});

describe('the TCP transport protects itself', () => {
  it('closes a connection that never finishes its message, while others keep working', async () => {
    const slow = await TcpPeer.connect(stack.port);
    slow.send('OPTIONS sip:switch@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;bra');
    const good = await TcpPeer.connect(stack.port);
    good.send(options(good.port, { branch: 'z9hG4bKgood', transport: 'TCP' }));
    await good.waitFor(() => good.received.length === 1);
    await slow.waitFor(() => slow.closed, 3000);
    expect(slow.closed).toBe(true);
    expect(good.closed).toBe(false);
    good.close();
  });

  it('answers a bad Content-Length with 400 and closes the connection', async () => {
    const bad = await TcpPeer.connect(stack.port);
    bad.send(options(bad.port, { branch: 'z9hG4bKncl', transport: 'TCP' }).replace('Content-Length: 0', 'Content-Length: -999'));
    await bad.waitFor(() => bad.closed, 3000);
    expect((bad.received[0] as SipResponse | undefined)?.status).toBe(400);
  });
});
