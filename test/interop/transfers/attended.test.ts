// Attended transfer with REFER + Replaces (issue 7). Phone B is a small SIP client written
// here on a plain UDP socket (baresip 1.0 has no attended transfer; SIPp cannot hold two
// calls in one scenario): B calls A (SIPp registered as 1000) and C (SIPp registered as
// 1002), then sends, in its call with A, `REFER` with `Refer-To: <sip:1002@…?Replaces=<its call
// with C>>`. The switch answers 202, reports `100 Trying` and `200 OK` in NOTIFYs, bridges A
// with C and releases both of B's calls; C hangs up later and A gets the BYE. A Replaces naming
// another phone's call gets 403 in the NOTIFY (no hijack), one naming no call 481. When the
// named call still rings (semi-attended), it is cancelled and A is sent to the number it rang.
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { peerAvailable, startSwitch, type RunningSwitch } from '../harness.js';
import { PASSWORD, cli, received, startCallee, waitIdle, waitUntil, type Callee } from '../calls/helpers.js';

const hasSipp = peerAvailable('sipp');

interface Msg {
  start: string;
  text: string;
  header(name: string): string | undefined;
}

function parse(raw: string): Msg {
  const text = raw.replace(/\r/g, '');
  const head = text.split('\n\n')[0]!.split('\n');
  return {
    start: head[0]!,
    text,
    header(name) {
      const re = new RegExp(`^${name}:\\s*(.*)$`, 'im');
      return re.exec(head.slice(1).join('\n'))?.[1]?.trim();
    },
  };
}

interface CallLeg {
  callId: string;
  fromTag: string;
  toTag: string;
  target: string;
  cseq: number;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const token = () => randomBytes(6).toString('hex');

/** Phone B: a UDP socket, authenticated INVITEs, in-dialog requests, and 200 to what it is sent. */
class RawPhone {
  readonly got: Msg[] = [];
  #sock: dgram.Socket;
  #port = 0;

  private constructor(readonly user: string, readonly sw: RunningSwitch) {
    this.#sock = dgram.createSocket('udp4');
  }

  static async open(user: string, sw: RunningSwitch): Promise<RawPhone> {
    const p = new RawPhone(user, sw);
    await new Promise<void>((r) => p.#sock.bind(0, '127.0.0.1', r));
    p.#port = p.#sock.address().port;
    p.#sock.on('message', (buf) => {
      const m = parse(buf.toString('latin1'));
      p.got.push(m);
      // A failure to one of its INVITEs (487 after a CANCEL) is acknowledged.
      if (/^SIP\/2\.0 [3-6]\d\d /.test(m.start) && / INVITE$/.test(m.header('CSeq') ?? '') && !m.start.startsWith('SIP/2.0 407')) {
        const seq = m.header('CSeq')!.split(' ')[0];
        p.#send([`ACK sip:ack@127.0.0.1 SIP/2.0`, `Via: ${m.header('Via')}`, `From: ${m.header('From')}`, `To: ${m.header('To')}`, `Call-ID: ${m.header('Call-ID')}`,
          `CSeq: ${seq} ACK`, 'Max-Forwards: 70', 'Content-Length: 0', '', ''].join('\r\n'));
      }
      // Requests from the switch (NOTIFY, BYE) get their 200.
      if (!m.start.startsWith('SIP/2.0') && !m.start.startsWith('ACK')) {
        const copy = ['Via', 'From', 'To', 'Call-ID', 'CSeq'].map((h) => `${h}: ${m.header(h)}`);
        p.#send([`SIP/2.0 200 OK`, ...copy, 'Content-Length: 0', '', ''].join('\r\n'));
      }
    });
    return p;
  }

  close(): void {
    this.#sock.close();
  }

  #send(text: string): void {
    this.#sock.send(Buffer.from(text, 'latin1'), this.sw.internalPort, '127.0.0.1');
  }

  #via(): string {
    return `Via: SIP/2.0/UDP 127.0.0.1:${this.#port};branch=z9hG4bK${token()};rport`;
  }

  async #response(callId: string, cseq: number, final: boolean, ms = 5000): Promise<Msg> {
    let found: Msg | undefined;
    await waitUntil(() => {
      found = this.got.find((m) => m.start.startsWith('SIP/2.0') && m.header('Call-ID') === callId && m.header('CSeq')?.startsWith(`${cseq} `) && (!final || Number(m.start.split(' ')[1]) >= 200));
      return found !== undefined;
    }, ms, `the response to CSeq ${cseq} of ${callId}`);
    return found!;
  }

  /** An authenticated call to `dest`, answered: the dialog. */
  call(dest: string, headers: string[] = []): Promise<CallLeg> {
    return this.#invite(dest, headers, false);
  }

  /** An authenticated call to `dest`, still ringing: its early dialog (the switch's 18x tag). */
  ring(dest: string): Promise<CallLeg> {
    return this.#invite(dest, [], true);
  }

  async #invite(dest: string, headers: string[], early: boolean): Promise<CallLeg> {
    const callId = `${token()}@raw`;
    const fromTag = token();
    const uri = `sip:${dest}@127.0.0.1:${this.sw.internalPort}`;
    const sdp = ['v=0', 'o=b 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40990 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');
    const invite = (cseq: number, auth?: string) => {
      const via = this.#via();
      this.#send([`INVITE ${uri} SIP/2.0`, via, `From: <sip:${this.user}@127.0.0.1>;tag=${fromTag}`, `To: <sip:${dest}@127.0.0.1>`, `Call-ID: ${callId}`, `CSeq: ${cseq} INVITE`,
        `Contact: <sip:${this.user}@127.0.0.1:${this.#port}>`, 'Max-Forwards: 70', ...headers, ...(auth ? [`Proxy-Authorization: ${auth}`] : []),
        'Content-Type: application/sdp', `Content-Length: ${sdp.length}`, '', sdp].join('\r\n'));
      return via;
    };
    const via1 = invite(1);
    const challenge = await this.#response(callId, 1, true);
    expect(challenge.start).toMatch(/^SIP\/2\.0 407 /);
    this.#send([`ACK ${uri} SIP/2.0`, via1, `From: <sip:${this.user}@127.0.0.1>;tag=${fromTag}`, `To: ${challenge.header('To')}`, `Call-ID: ${callId}`, 'CSeq: 1 ACK', 'Content-Length: 0', '', ''].join('\r\n'));
    const www = challenge.header('Proxy-Authenticate')!;
    const realm = /realm="([^"]+)"/.exec(www)![1]!;
    const nonce = /nonce="([^"]+)"/.exec(www)![1]!;
    const response = md5(`${md5(`${this.user}:${realm}:${PASSWORD}`)}:${nonce}:${md5(`INVITE:${uri}`)}`);
    invite(2, `Digest username="${this.user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5`);
    if (early) {
      let ringing: Msg | undefined;
      await waitUntil(() => {
        ringing = this.got.find((m) => /^SIP\/2\.0 18\d /.test(m.start) && m.header('Call-ID') === callId && /tag=/.test(m.header('To') ?? ''));
        return ringing !== undefined;
      }, 5000, `a provisional response with a tag for ${callId}`);
      const toTag = /tag=([^;>\s]+)/.exec(ringing!.header('To')!)![1]!;
      return { callId, fromTag, toTag, target: uri, cseq: 2 };
    }
    const ok = await this.#response(callId, 2, true);
    expect(ok.start).toBe('SIP/2.0 200 OK');
    const toTag = /tag=([^;>\s]+)/.exec(ok.header('To')!)![1]!;
    const target = /<([^>]+)>/.exec(ok.header('Contact')!)![1]!;
    const leg: CallLeg = { callId, fromTag, toTag, target, cseq: 2 };
    this.#send([`ACK ${target} SIP/2.0`, this.#via(), `From: <sip:${this.user}@127.0.0.1>;tag=${fromTag}`, `To: ${ok.header('To')}`, `Call-ID: ${callId}`, 'CSeq: 2 ACK', 'Content-Length: 0', '', ''].join('\r\n'));
    return leg;
  }

  /** REFER inside `leg`; resolves with the final response to it. */
  async refer(leg: CallLeg, referTo: string): Promise<Msg> {
    const cseq = ++leg.cseq;
    this.#send([`REFER ${leg.target} SIP/2.0`, this.#via(), `From: <sip:${this.user}@127.0.0.1>;tag=${leg.fromTag}`, `To: <sip:x@127.0.0.1>;tag=${leg.toTag}`,
      `Call-ID: ${leg.callId}`, `CSeq: ${cseq} REFER`, `Contact: <sip:${this.user}@127.0.0.1:${this.#port}>`, `Refer-To: ${referTo}`,
      `Referred-By: <sip:${this.user}@127.0.0.1>`, 'Max-Forwards: 70', 'Content-Length: 0', '', ''].join('\r\n'));
    return this.#response(leg.callId, cseq, true);
  }

  /** The sipfrag status lines of the NOTIFYs received in `leg`. */
  notifies(leg: CallLeg): string[] {
    return this.got.filter((m) => m.start.startsWith('NOTIFY') && m.header('Call-ID') === leg.callId).map((m) => m.text.split('\n\n')[1]!.trim());
  }

  byes(leg: CallLeg): Msg[] {
    return this.got.filter((m) => m.start.startsWith('BYE') && m.header('Call-ID') === leg.callId);
  }
}

function replacesOf(leg: CallLeg): string {
  return encodeURIComponent(`${leg.callId};to-tag=${leg.toTag};from-tag=${leg.fromTag}`);
}

describe.skipIf(!hasSipp)('attended transfer (REFER with Replaces)', () => {
  let sw: RunningSwitch;
  const callees: Callee[] = [];
  const phones: RawPhone[] = [];
  beforeAll(async () => {
    sw = await startSwitch({ vars: { auth_fail_ban_count: '0' } });
  });
  afterEach(async () => {
    for (const c of callees.splice(0)) await c.stop();
    for (const p of phones.splice(0)) p.close();
    await waitIdle(sw, 15_000);
  });
  afterAll(async () => {
    expect(await sw.stop()).toBe(0);
  });

  it('B joins A and C: 202, NOTIFY 100 and 200, both of B\'s calls released; A and C stay up until C hangs up', async () => {
    const a = await startCallee(sw, 'uas-answer-200-expect-bye.xml', { user: '1000' });
    callees.push(a);
    const c = await startCallee(sw, 'uas-answer-200-send-bye.xml', { user: '1002' });
    callees.push(c);
    const b = await RawPhone.open('1001', sw);
    phones.push(b);
    const withA = await b.call('1000');
    const withC = await b.call('1002');
    const res = await b.refer(withA, `<sip:1002@127.0.0.1?Replaces=${replacesOf(withC)}>`);
    expect(res.start).toBe('SIP/2.0 202 Accepted');
    await waitUntil(() => b.byes(withA).length > 0 && b.byes(withC).length > 0, 5000, "the BYEs of both of B's calls");
    expect(b.notifies(withA)).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 200 OK']);
    for (const leg of [withA, withC]) expect(b.byes(leg)[0]!.header('Reason')).toMatch(/text="ATTENDED_TRANSFER"/);
    // C hangs up 1.2 s after it answered; A, now talking to C, gets the BYE.
    await waitUntil(() => /BYE sip:/.test(a.messages()), 5000, 'the BYE at A');
    const aSide = await a.stop();
    expect(aSide.errors).toBe('');
    expect(received(aSide.messages).filter((l) => l.startsWith('INVITE'))).toHaveLength(1);
    const cSide = await c.stop();
    expect(cSide.errors).toBe('');
  });

  it('a Replaces naming another phone\'s call is refused (403 in the NOTIFY) and nothing moves', async () => {
    const a = await startCallee(sw, 'uas-answer-200-expect-bye.xml', { user: '1000' });
    callees.push(a);
    const c = await startCallee(sw, 'uas-answer-200-expect-bye.xml', { user: '1002' });
    callees.push(c);
    const b = await RawPhone.open('1001', sw);
    const stranger = await RawPhone.open('1003', sw);
    phones.push(b, stranger);
    const withA = await b.call('1000');
    const theirs = await stranger.call('1002');
    expect((await b.refer(withA, `<sip:1002@127.0.0.1?Replaces=${replacesOf(theirs)}>`)).start).toBe('SIP/2.0 202 Accepted');
    await waitUntil(() => b.notifies(withA).length === 2, 5000, 'the final NOTIFY');
    expect(b.notifies(withA)).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 403 Forbidden']);
    expect(b.byes(withA)).toHaveLength(0);
    expect(stranger.byes(theirs)).toHaveLength(0);
    const noSuch = { ...theirs, callId: 'no-such-call@raw' };
    expect((await b.refer(withA, `<sip:1002@127.0.0.1?Replaces=${replacesOf(noSuch)}>`)).start).toBe('SIP/2.0 202 Accepted');
    await waitUntil(() => b.notifies(withA).length === 4, 5000, 'the second final NOTIFY');
    expect(b.notifies(withA).slice(2)).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 481 Call/Transaction Does Not Exist']);
    await cli(sw, 'hupall NORMAL_CLEARING');
  });

  it('an INVITE with Replaces from the same phone takes over its call: A stays up, the old dialog gets BYE', async () => {
    const a = await startCallee(sw, 'uas-answer-200-expect-bye.xml', { user: '1000' });
    callees.push(a);
    const b = await RawPhone.open('1001', sw);
    phones.push(b);
    const withA = await b.call('1000');
    const again = await b.call('1000', [`Replaces: ${withA.callId};to-tag=${withA.toTag};from-tag=${withA.fromTag}`]);
    await waitUntil(() => b.byes(withA).length > 0, 5000, 'the BYE of the replaced dialog');
    expect(b.byes(withA)[0]!.header('Reason')).toMatch(/text="ATTENDED_TRANSFER"/);
    expect(b.byes(again)).toHaveLength(0);
    expect(received(a.messages()).filter((l) => l.startsWith('BYE') || l.startsWith('INVITE'))).toHaveLength(1); // A kept its call
    await cli(sw, 'hupall NORMAL_CLEARING');
    await waitUntil(() => /BYE sip:/.test(a.messages()), 5000, 'the BYE at A');
  });

  it('semi-attended (the Replaces names a call still ringing): that call is cancelled and A is sent to C', async () => {
    const a = await startCallee(sw, 'uas-answer-200-expect-bye.xml', { user: '1000' });
    callees.push(a);
    const c = await startCallee(sw, 'uas-ring-180-expect-cancel.xml', { user: '1002' });
    callees.push(c);
    const b = await RawPhone.open('1001', sw);
    phones.push(b);
    const withA = await b.call('1000');
    const ringingC = await b.ring('1002');
    expect((await b.refer(withA, `<sip:1002@127.0.0.1?Replaces=${replacesOf(ringingC)}>`)).start).toBe('SIP/2.0 202 Accepted');
    await waitUntil(() => b.notifies(withA).length === 2, 5000, 'the final NOTIFY');
    expect(b.notifies(withA)).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 200 OK']);
    await waitUntil(() => b.byes(withA).length > 0, 5000, 'the BYE of B\'s call with A');
    expect(b.got.some((m) => m.start === 'SIP/2.0 487 Request Terminated' && m.header('Call-ID') === ringingC.callId)).toBe(true);
    // C's phone stopped ringing for B and rings again, now for A.
    await waitUntil(() => received(c.messages()).filter((l) => l.startsWith('INVITE')).length === 2, 5000, 'the second INVITE at C');
    await cli(sw, 'hupall NORMAL_CLEARING');
    const requests = received(c.messages()).filter((l) => !l.startsWith('SIP/2.0')).map((l) => l.split(' ')[0]);
    expect(requests.slice(0, 2)).toEqual(['INVITE', 'CANCEL']);
    expect(requests.filter((r) => r === 'INVITE')).toHaveLength(2);
  });
});
