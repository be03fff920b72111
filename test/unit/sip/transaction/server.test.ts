import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InviteServerTransaction, NonInviteServerTransaction, createResponse } from '../../../../src/sip/index.js';
import { LoopEnv, request, TCP, UDP } from './loop-env.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('INVITE server transaction', () => {
  it('sends 100 Trying at once and re-sends the last provisional on a retransmitted INVITE', () => {
    const env = new LoopEnv();
    const req = request('INVITE');
    const tx = new InviteServerTransaction('k', req, UDP, env);
    tx.start();
    expect(env.times('SIP/2.0 100')).toEqual([0]);
    tx.respond(createResponse(req, 180, { toTag: 'a' }));
    tx.handle({ type: 'request', request: req });
    expect(env.sent.map((s) => s.msg.kind === 'response' && s.msg.status)).toEqual([100, 180, 180]);
  });

  it('retransmits a final error on Timer G up to T2 until the ACK, then ends on Timer I', () => {
    const env = new LoopEnv();
    const req = request('INVITE');
    const tx = new InviteServerTransaction('k', req, UDP, env);
    tx.start();
    tx.respond(createResponse(req, 486, { toTag: 'a' }));
    vi.advanceTimersByTime(12_000);
    expect(env.times('SIP/2.0 486')).toEqual([0, 500, 1500, 3500, 7500, 11500]);
    tx.handle({ type: 'request', request: request('ACK') });
    expect(tx.state).toBe('confirmed');
    vi.advanceTimersByTime(20_000);
    expect(env.times('SIP/2.0 486')).toHaveLength(6);
    expect(tx.state).toBe('terminated');
  });

  it('gives up on Timer H when no ACK comes and tells its user', () => {
    const env = new LoopEnv();
    const req = request('INVITE');
    const tx = new InviteServerTransaction('k', req, UDP, env);
    let timeouts = 0;
    tx.user = { onTimeout: () => timeouts++ };
    tx.start();
    tx.respond(createResponse(req, 404, { toTag: 'a' }));
    vi.advanceTimersByTime(32_000);
    expect(tx.state).toBe('terminated');
    expect(timeouts).toBe(1);
  });

  it('retransmits its 2xx until the ACK and absorbs INVITE retransmissions (RFC 6026)', () => {
    const env = new LoopEnv();
    const req = request('INVITE');
    const tx = new InviteServerTransaction('k', req, UDP, env);
    let acks = 0;
    tx.user = { onAck: () => acks++ };
    tx.start();
    tx.respond(createResponse(req, 200, { toTag: 'a' }));
    vi.advanceTimersByTime(2000);
    tx.handle({ type: 'request', request: req });
    tx.acknowledge(request('ACK', 'z9hG4bKother'));
    tx.acknowledge(request('ACK', 'z9hG4bKother'));
    vi.advanceTimersByTime(10_000);
    expect(env.times('SIP/2.0 200')).toEqual([0, 500, 1500, 2000]);
    expect(acks).toBe(1);
    expect(tx.state).toBe('accepted');
    vi.advanceTimersByTime(22_000);
    expect(tx.state).toBe('terminated');
  });

  it('tells its user when the 2xx was never acknowledged (Timer L)', () => {
    const env = new LoopEnv();
    const req = request('INVITE');
    const tx = new InviteServerTransaction('k', req, TCP, env);
    let timeouts = 0;
    tx.user = { onTimeout: () => timeouts++ };
    tx.start();
    tx.respond(createResponse(req, 200, { toTag: 'a' }));
    vi.advanceTimersByTime(32_000);
    expect(env.times('SIP/2.0 200')).toEqual([0]); // no retransmission over TCP
    expect(timeouts).toBe(1);
  });

  it('answers CANCEL with 487 after telling its user', () => {
    const env = new LoopEnv();
    const req = request('INVITE');
    const tx = new InviteServerTransaction('k', req, UDP, env);
    const seen: string[] = [];
    tx.user = { onCancel: () => seen.push(`cancel in ${tx.state}`) };
    tx.start();
    tx.cancel(request('CANCEL'));
    expect(seen).toEqual(['cancel in proceeding']);
    expect(tx.finalResponse?.status).toBe(487);
    tx.cancel(request('CANCEL'));
    expect(env.times('SIP/2.0 487')).toHaveLength(1);
  });
});

describe('non-INVITE server transaction', () => {
  it('discards retransmissions before the answer, re-sends the final after it, and ends on Timer J', () => {
    const env = new LoopEnv();
    const req = request('REGISTER');
    const tx = new NonInviteServerTransaction('k', req, UDP, env);
    tx.handle({ type: 'request', request: req });
    expect(env.sent).toHaveLength(0);
    tx.respond(createResponse(req, 200, { toTag: 'a' }));
    tx.handle({ type: 'request', request: req });
    expect(env.times('SIP/2.0 200')).toEqual([0, 0]);
    expect(env.sent[0]!.bytes.equals(env.sent[1]!.bytes)).toBe(true);
    vi.advanceTimersByTime(31_999);
    expect(tx.state).toBe('completed');
    vi.advanceTimersByTime(1);
    expect(tx.state).toBe('terminated');
  });

  it('ends at once over TCP (Timer J is zero)', () => {
    const env = new LoopEnv();
    const req = request('BYE');
    const tx = new NonInviteServerTransaction('k', req, TCP, env);
    tx.respond(createResponse(req, 200, { toTag: 'a' }));
    vi.advanceTimersByTime(0);
    expect(tx.state).toBe('terminated');
  });
});

describe('server transaction memory', () => {
  it('a completed non-INVITE transaction keeps its response bytes but releases the request', () => {
    const env = new LoopEnv();
    const req = request('REGISTER');
    const tx = new NonInviteServerTransaction('k', req, UDP, env);
    tx.respond(createResponse(req, 200, { toTag: 'a' }));
    expect(tx.request).not.toBe(req);
    expect(tx.finalStatus).toBe(200);
    tx.handle({ type: 'request', request: req });
    expect(env.sent).toHaveLength(2);
    expect(env.sent[1]!.bytes.equals(env.sent[0]!.bytes)).toBe(true);
  });

  it('forget() ends a transaction whose final response is out, and is a no-op before', () => {
    const env = new LoopEnv();
    const req = request('INVITE');
    const tx = new InviteServerTransaction('k', req, UDP, env);
    tx.start();
    tx.forget();
    expect(tx.state).toBe('proceeding');
    tx.respond(createResponse(req, 407, { toTag: 'a' }));
    tx.forget();
    expect(tx.state).toBe('terminated');
    expect(env.terminatedTx).toEqual([tx]);
    vi.advanceTimersByTime(40_000);
    expect(env.times('SIP/2.0 407')).toEqual([0]); // no Timer G retransmissions after forget
  });
});
