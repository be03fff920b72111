// The SIP stack against SIPp over real UDP and TCP: stateless OPTIONS, an INVITE answered with
// 100 Trying then its final response, a retransmitted request answered identically by its
// server transaction, and the siptrace tap shown in the console.
import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, peerAvailable, run, sipp, startSwitch, type RunningSwitch } from './harness.js';

const hasSipp = peerAvailable('sipp');

describe.skipIf(!hasSipp)('SIP stack with SIPp', () => {
  let sw: RunningSwitch;
  beforeAll(async () => {
    sw = await startSwitch();
  });
  afterAll(async () => {
    expect(await sw.stop()).toBe(0);
  });

  it('answers OPTIONS over UDP with 200, Allow, Accept and Supported', async () => {
    const r = await sipp('uac-options-expect-200.xml', `127.0.0.1:${sw.internalPort}`, ['-s', 'switch']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.messages).toMatch(/SIP\/2\.0 200 OK/);
  });

  it('answers OPTIONS over TCP on the same connection', async () => {
    const r = await sipp('uac-options-expect-200.xml', `127.0.0.1:${sw.internalPort}`, ['-s', 'switch', '-t', 't1']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('answers an INVITE with 100 Trying and then its final response, over UDP and TCP', async () => {
    // The external profile takes calls only from gateways: a stranger's INVITE is routed (100
    // Trying from the transaction) and then refused with 403, which the UAC acknowledges.
    for (const transport of ['u1', 't1']) {
      const r = await sipp('uac-invite-expect-100-403.xml', `127.0.0.1:${sw.externalPort}`, ['-s', '5551234', '-t', transport]);
      expect(r.code, `${transport}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  });

  it('answers a retransmitted request with the same response', async () => {
    // A REGISTER with good credentials is handled by a server transaction; its retransmission
    // must get the stored 200 back byte for byte, not a second trip through the registrar.
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    const port = sock.address().port;
    const got: string[] = [];
    sock.on('message', (m) => got.push(m.toString('latin1')));
    const target = `sip:127.0.0.1:${sw.internalPort}`;
    const register = (cseq: number, auth?: string) => Buffer.from([
      `REGISTER ${target} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKretrans${cseq};rport`,
      'From: <sip:1000@127.0.0.1>;tag=r1', 'To: <sip:1000@127.0.0.1>', 'Call-ID: retrans-1', `CSeq: ${cseq} REGISTER`,
      `Contact: <sip:1000@127.0.0.1:${port}>`, 'Expires: 60', 'Max-Forwards: 70',
      ...(auth ? [`Authorization: ${auth}`] : []), 'Content-Length: 0', '', ''].join('\r\n'));
    const settle = () => new Promise((r) => setTimeout(r, 300));
    try {
      sock.send(register(1), sw.internalPort, '127.0.0.1');
      await settle();
      expect(got[0]).toMatch(/^SIP\/2\.0 401 /);
      const realm = /realm="([^"]+)"/.exec(got[0]!)![1]!;
      const nonce = /nonce="([^"]+)"/.exec(got[0]!)![1]!;
      const md5 = (s: string) => createHash('md5').update(s).digest('hex');
      const response = md5(`${md5(`1000:${realm}:1234`)}:${nonce}:${md5(`REGISTER:${target}`)}`);
      const auth = `Digest username="1000", realm="${realm}", nonce="${nonce}", uri="${target}", response="${response}", algorithm=MD5`;
      const signed = register(2, auth);
      sock.send(signed, sw.internalPort, '127.0.0.1');
      await settle();
      sock.send(signed, sw.internalPort, '127.0.0.1');
      await settle();
    } finally {
      sock.close();
    }
    expect(got).toHaveLength(3);
    expect(got[1]).toMatch(/^SIP\/2\.0 200 /);
    expect(got[2]).toBe(got[1]);
  });

  it('shows SIP traces in the console when siptrace is on', async () => {
    const cli = (cmd: string) => run(process.execPath, [MAIN, 'cli', '-P', String(sw.eslPort), '-x', cmd, '--no-color']);
    expect((await cli('sofia global siptrace on')).stdout).toBe('+OK Global siptrace on\n');
    // A console that streams logs while a request arrives.
    // (Generous times: on a loaded CI machine the console can take a second to connect.)
    const watcher = run(process.execPath, [MAIN, 'cli', '-P', String(sw.eslPort), '-l', 'debug', '--no-color'], 8000);
    // Three OPTIONS a second apart: one of them lands once the console's log stream is on,
    // however long the console took to connect.
    await new Promise((r) => setTimeout(r, 1500));
    for (let i = 0; i < 3; i++) {
      const r = await sipp('uac-options-expect-200.xml', `127.0.0.1:${sw.internalPort}`, ['-s', 'traced']);
      expect(r.code).toBe(0);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const out = (await watcher).stdout;
    expect(out).toMatch(/recv \d+ bytes from udp\/\[127\.0\.0\.1\]:\d+ at \d\d:\d\d:\d\d\.\d{6}:/);
    expect(out).toMatch(/send \d+ bytes to udp\/\[127\.0\.0\.1\]:\d+ at/);
    expect(out).toContain('OPTIONS sip:traced@');
    expect(out).toContain('-'.repeat(72));
    expect((await cli('sofia global siptrace off')).stdout).toBe('+OK Global siptrace off\n');
  });

  it('prints sofia status with the profiles and their URLs', async () => {
    const r = await run(process.execPath, [MAIN, 'cli', '-P', String(sw.eslPort), '-x', 'sofia status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`internal\tprofile\t  ${`sip:mod_sofia@127.0.0.1:${sw.internalPort}`.padStart(40)}\tRUNNING (0)`);
    expect(r.stdout).toMatch(/2 profiles 1 alias\n$/);
  });
});
