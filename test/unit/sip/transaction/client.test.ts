import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InviteClientTransaction, NonInviteClientTransaction, type ClientTransaction, type ClientTransactionUser, type SipResponse } from '../../../../src/sip/index.js';
import { LoopEnv, request, response, TCP, UDP } from './loop-env.js';

class Recorder implements ClientTransactionUser {
  responses: number[] = [];
  timeouts = 0;
  errors = 0;
  onResponse(res: SipResponse, _tx: ClientTransaction): void {
    this.responses.push(res.status);
  }
  onTimeout(): void {
    this.timeouts++;
  }
  onTransportError(): void {
    this.errors++;
  }
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('INVITE client transaction', () => {
  it('retransmits on Timer A doubling from T1 and times out on Timer B over UDP', () => {
    const env = new LoopEnv();
    const user = new Recorder();
    const tx = new InviteClientTransaction('k', request('INVITE'), UDP, env, user);
    tx.start();
    vi.advanceTimersByTime(40_000);
    expect(env.times('INVITE')).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(user.timeouts).toBe(1);
    expect(tx.state).toBe('terminated');
    expect(env.terminatedTx).toEqual([tx]);
  });

  it('does not retransmit over TCP but still times out', () => {
    const env = new LoopEnv();
    const user = new Recorder();
    const tx = new InviteClientTransaction('k', request('INVITE'), TCP, env, user);
    tx.start();
    vi.advanceTimersByTime(31_999);
    expect(user.timeouts).toBe(0);
    vi.advanceTimersByTime(1);
    expect(env.times('INVITE')).toEqual([0]);
    expect(user.timeouts).toBe(1);
  });

  it('stops retransmitting on a provisional response and passes it up', () => {
    const env = new LoopEnv();
    const user = new Recorder();
    const req = request('INVITE');
    const tx = new InviteClientTransaction('k', req, UDP, env, user);
    tx.start();
    vi.advanceTimersByTime(600);
    tx.handle({ type: 'response', response: response(req, 180) });
    vi.advanceTimersByTime(60_000);
    expect(env.times('INVITE')).toEqual([0, 500]);
    expect(tx.state).toBe('proceeding');
    expect(user.responses).toEqual([180]);
    expect(user.timeouts).toBe(0);
  });

  it('ACKs a final error itself, re-ACKs its retransmissions without passing them up, and ends on Timer D', () => {
    const env = new LoopEnv();
    const user = new Recorder();
    const req = request('INVITE');
    const tx = new InviteClientTransaction('k', req, UDP, env, user);
    tx.start();
    const busy = response(req, 486);
    tx.handle({ type: 'response', response: busy });
    expect(tx.state).toBe('completed');
    const acks = env.sent.filter((s) => s.msg.kind === 'request' && s.msg.method === 'ACK');
    expect(acks).toHaveLength(1);
    const ack = acks[0]!.msg;
    expect(ack.topVia?.branch).toBe(req.topVia?.branch);
    expect(ack.toTag).toBe('t1');
    expect(ack.cseq).toEqual({ seq: 1, method: 'ACK' });
    tx.handle({ type: 'response', response: busy });
    expect(env.times('ACK')).toHaveLength(2);
    expect(user.responses).toEqual([486]);
    vi.advanceTimersByTime(31_999);
    expect(tx.state).toBe('completed');
    vi.advanceTimersByTime(1);
    expect(tx.state).toBe('terminated');
    expect(env.times('INVITE')).toEqual([0]);
  });

  it('passes retransmitted 2xx up in Accepted and ends on Timer M (RFC 6026)', () => {
    const env = new LoopEnv();
    const user = new Recorder();
    const req = request('INVITE');
    const tx = new InviteClientTransaction('k', req, UDP, env, user);
    tx.start();
    tx.handle({ type: 'response', response: response(req, 200) });
    tx.handle({ type: 'response', response: response(req, 200) });
    expect(user.responses).toEqual([200, 200]);
    expect(tx.state).toBe('accepted');
    expect(env.times('ACK')).toEqual([]); // the TU ACKs a 2xx, not the transaction
    vi.advanceTimersByTime(32_000);
    expect(tx.state).toBe('terminated');
  });

  it('holds a CANCEL until a provisional response arrives (§9.1)', () => {
    const env = new LoopEnv();
    const user = new Recorder();
    const req = request('INVITE');
    const tx = new InviteClientTransaction('k', req, UDP, env, user);
    tx.start();
    let cancelled = 0;
    tx.cancelPending = () => cancelled++;
    vi.advanceTimersByTime(100);
    expect(cancelled).toBe(0);
    tx.handle({ type: 'response', response: response(req, 100) });
    expect(cancelled).toBe(1);
  });

  it('reports a transport error once', () => {
    const env = new LoopEnv();
    env.failSends = true;
    const user = new Recorder();
    const tx = new InviteClientTransaction('k', request('INVITE'), UDP, env, user);
    tx.start();
    vi.advanceTimersByTime(40_000);
    expect(user.errors).toBe(1);
    expect(user.timeouts).toBe(0);
    expect(tx.state).toBe('terminated');
  });
});

describe('non-INVITE client transaction', () => {
  it('retransmits on Timer E capped at T2 and times out on Timer F', () => {
    const env = new LoopEnv();
    const user = new Recorder();
    const tx = new NonInviteClientTransaction('k', request('OPTIONS'), UDP, env, user);
    tx.start();
    vi.advanceTimersByTime(40_000);
    expect(env.times('OPTIONS')).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(user.timeouts).toBe(1);
  });

  it('retransmits every T2 after a provisional response', () => {
    const env = new LoopEnv();
    const user = new Recorder();
    const req = request('BYE');
    const tx = new NonInviteClientTransaction('k', req, UDP, env, user);
    tx.start();
    vi.advanceTimersByTime(100);
    tx.handle({ type: 'response', response: response(req, 100) });
    vi.advanceTimersByTime(10_000);
    // Timer E was armed for 500 ms before the 100 came; from then on it runs at T2.
    expect(env.times('BYE')).toEqual([0, 500, 4500, 8500]);
    expect(tx.state).toBe('proceeding');
  });

  it('absorbs retransmitted finals and ends on Timer K', () => {
    const env = new LoopEnv();
    const user = new Recorder();
    const req = request('REGISTER');
    const tx = new NonInviteClientTransaction('k', req, UDP, env, user);
    tx.start();
    tx.handle({ type: 'response', response: response(req, 200) });
    tx.handle({ type: 'response', response: response(req, 200) });
    expect(user.responses).toEqual([200]);
    vi.advanceTimersByTime(4_999);
    expect(tx.state).toBe('completed');
    vi.advanceTimersByTime(1);
    expect(tx.state).toBe('terminated');
    expect(env.times('REGISTER')).toEqual([0]);
  });
});
