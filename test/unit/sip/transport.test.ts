import dgram from 'node:dgram';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/common/index.js';
import { SipRequest, SipStack, StreamFramer, parseMessage, createResponse, serialize, type SipResponse, type SipRequest as Req } from '../../../src/sip/index.js';

function options(uri: string): SipRequest {
  const req = new SipRequest('OPTIONS', uri);
  req.addHeader('From', '<sip:switch@127.0.0.1>;tag=s1');
  req.addHeader('To', `<${uri}>`);
  req.addHeader('Call-ID', `c-${Math.random()}`);
  req.addHeader('CSeq', '1 OPTIONS');
  return req;
}

function send(stack: SipStack, req: SipRequest, hop: Parameters<SipStack['sendRequest']>[1]): Promise<SipResponse> {
  return new Promise((resolve, reject) => {
    stack.sendRequest(req, hop, {
      onResponse: (res) => res.status >= 200 && resolve(res),
      onTimeout: () => reject(new Error('timeout')),
      onTransportError: (_tx, e) => reject(e),
    });
  });
}

describe('outbound TCP connections', () => {
  it('are reused for requests to the same peer and closed when idle', async () => {
    const accepted: net.Socket[] = [];
    let closed = 0;
    const peer = net.createServer((sock) => {
      accepted.push(sock);
      sock.on('close', () => closed++);
      const framer = new StreamFramer();
      sock.on('data', (d) => {
        for (const ev of framer.push(d)) {
          if (ev.kind !== 'message') continue;
          const req = parseMessage(ev.data, {}, false) as Req;
          sock.write(serialize(createResponse(req, 200)));
        }
      });
    });
    await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
    const port = (peer.address() as net.AddressInfo).port;
    const stack = new SipStack({ profile: 't', address: '127.0.0.1', port: 0, logger: silentLogger, tcp: { outboundIdleTimeoutMs: 300 } });
    await stack.start();
    const hop = { protocol: 'tcp' as const, address: '127.0.0.1', port };
    expect((await send(stack, options(`sip:a@127.0.0.1:${port};transport=tcp`), hop)).status).toBe(200);
    expect((await send(stack, options(`sip:b@127.0.0.1:${port};transport=tcp`), hop)).status).toBe(200);
    expect(accepted).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 700));
    expect(closed).toBe(1);
    await stack.stop();
    peer.close();
  });

  it('report a refused connection as a transport error', async () => {
    const stack = new SipStack({ profile: 't', address: '127.0.0.1', port: 0, logger: silentLogger });
    await stack.start();
    const dead = await new Promise<number>((r) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => r(p));
      });
    });
    await expect(send(stack, options(`sip:x@127.0.0.1:${dead}`), { protocol: 'tcp', address: '127.0.0.1', port: dead })).rejects.toThrow();
    await stack.stop();
  });

  it('never send to a host name (no name resolution)', async () => {
    const stack = new SipStack({ profile: 't', address: '127.0.0.1', port: 0, logger: silentLogger });
    await stack.start();
    await expect(send(stack, options('sip:x@example.com'), { protocol: 'udp', address: 'example.com', port: 5060 })).rejects.toThrow(/not an IP address/);
    await stack.stop();
  });
});

const hasV6 = await new Promise<boolean>((resolve) => {
  const s = dgram.createSocket('udp6');
  s.once('error', () => resolve(false));
  s.bind(0, '::1', () => s.close(() => resolve(true)));
});

describe.skipIf(!hasV6)('IPv6', () => {
  it('a profile on ::1 answers OPTIONS over UDP and TCP with bracketed addresses', async () => {
    const stack = new SipStack({ profile: 'v6', address: '::1', port: 0, logger: silentLogger });
    await stack.start();
    const sock = dgram.createSocket('udp6');
    await new Promise<void>((r) => sock.bind(0, '::1', r));
    const got = new Promise<Buffer>((r) => sock.once('message', r));
    const p = sock.address().port;
    sock.send(Buffer.from([
      `OPTIONS sip:switch@[::1]:${stack.port} SIP/2.0`, `Via: SIP/2.0/UDP [::1]:${p};branch=z9hG4bKv6;rport`,
      'From: <sip:t@[::1]>;tag=1', 'To: <sip:switch@[::1]>', 'Call-ID: v6', 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', ''].join('\r\n')), stack.port, '::1');
    const res = parseMessage(await got) as SipResponse;
    expect(res.status).toBe(200);
    expect(res.topVia?.received).toBe('::1');
    expect(stack.contactUri('1000')).toBe(`sip:1000@[::1]:${stack.port}`);
    sock.close();
    const tcpRes = await send(stack, options(`sip:switch@[::1]:${stack.port};transport=tcp`), { protocol: 'tcp', address: '::1', port: stack.port });
    expect(tcpRes.status).toBe(200);
    await stack.stop();
  });
});
