// An in-memory transaction environment: it records what a transaction sends and when (under
// fake timers), and can be told to fail sends — the loop transport of style.md §9.
import { silentLogger } from '../../../../src/common/logger.js';
import {
  DEFAULT_TIMERS, parseMessage, serialize, SipRequest, createResponse, type Hop, type SipMessage, type Transaction, type TransactionEnv,
} from '../../../../src/sip/index.js';

export interface Sent { at: number; bytes: Buffer; msg: SipMessage }

export class LoopEnv implements TransactionEnv {
  readonly timers = DEFAULT_TIMERS;
  readonly logger = silentLogger;
  readonly sent: Sent[] = [];
  readonly terminatedTx: Transaction[] = [];
  failSends = false;
  readonly start = Date.now();

  send(msg: SipMessage, hop: Hop, onError?: (err: Error) => void): Buffer {
    const bytes = serialize(msg);
    this.sendBytes(bytes, hop, onError);
    return bytes;
  }

  sendBytes(bytes: Buffer, _hop: Hop, onError?: (err: Error) => void): void {
    if (this.failSends) {
      onError?.(new Error('send failed'));
      return;
    }
    this.sent.push({ at: Date.now() - this.start, bytes, msg: parseMessage(bytes) });
  }

  terminated(tx: Transaction): void {
    this.terminatedTx.push(tx);
  }

  /** Times (ms from start) at which messages with this start-line prefix were sent. */
  times(prefix: string): number[] {
    return this.sent.filter((s) => s.bytes.toString('latin1').startsWith(prefix)).map((s) => s.at);
  }
}

export const UDP: Hop = { protocol: 'udp', address: '127.0.0.1', port: 5099 };
export const TCP: Hop = { protocol: 'tcp', address: '127.0.0.1', port: 5099 };

export function request(method: string, branch = 'z9hG4bKtest1'): SipRequest {
  const req = new SipRequest(method, 'sip:1000@127.0.0.1');
  req.addHeader('Via', `SIP/2.0/UDP 127.0.0.1:5070;branch=${branch};rport`);
  req.addHeader('From', '<sip:1001@127.0.0.1>;tag=f1');
  req.addHeader('To', '<sip:1000@127.0.0.1>');
  req.addHeader('Call-ID', 'call-1');
  req.addHeader('CSeq', `1 ${method}`);
  req.addHeader('Max-Forwards', '70');
  req.addHeader('Content-Length', '0');
  return req;
}

export function response(req: SipRequest, status: number, toTag = 't1') {
  return createResponse(req, status, { toTag });
}
