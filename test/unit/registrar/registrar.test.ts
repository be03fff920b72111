import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyRegistration,
  computeRegistration,
  MAX_DELTA_SECONDS,
  parseDeltaSeconds,
  parseMultipleRegistrations,
  responseContact,
  SqliteLocationStore,
  type ContactInput,
  type RegisterInput,
  type RegisterOutcome,
  type RegistrarPolicy,
  type StoredBinding,
} from '../../../src/registrar/index.js';

const NOW = 1_700_000_000;

function contact(uri: string, params: Record<string, string | undefined> = {}): ContactInput {
  return { uri, params };
}

function req(patch: Partial<RegisterInput> = {}): RegisterInput {
  return {
    user: '1000',
    domain: 'PBX.example.com',
    profile: 'internal',
    contacts: [contact('sip:1000@192.168.1.50:5060')],
    expiresHeader: '3600',
    callId: 'call-1',
    cseq: 10,
    source: { ip: '192.168.1.50', port: 5060, transport: 'udp' },
    userAgent: 'Grandstream GXP1625',
    authUser: '1000',
    authRealm: 'pbx.example.com',
    nowSec: NOW,
    ...patch,
  };
}

/** Apply an outcome to an in-memory list, as a store would. */
function apply(current: StoredBinding[], outcome: RegisterOutcome): StoredBinding[] {
  if (outcome.status !== 200) return current;
  const next = current.filter((b) => !outcome.removeKeys.includes(b.key) && !outcome.upsert.some((u) => u.key === b.key));
  return [...next, ...outcome.upsert];
}

function ok(outcome: RegisterOutcome) {
  if (outcome.status !== 200) throw new Error(`expected 200, got ${outcome.status} ${'reason' in outcome ? outcome.reason : ''}`);
  return outcome;
}

/** Run a sequence of REGISTERs and return the final bindings. */
function run(policy: RegistrarPolicy, ...inputs: RegisterInput[]): { bindings: StoredBinding[]; outcomes: RegisterOutcome[] } {
  let bindings: StoredBinding[] = [];
  const outcomes: RegisterOutcome[] = [];
  for (const input of inputs) {
    const o = computeRegistration(bindings, input, policy);
    outcomes.push(o);
    bindings = apply(bindings, o);
  }
  return { bindings, outcomes };
}

describe('computeRegistration: adding and refreshing', () => {
  it('adds a binding with the Expires header value and lists it in the 200', () => {
    const o = ok(computeRegistration([], req()));
    expect(o.added).toHaveLength(1);
    expect(o.added[0]).toMatchObject({
      aor: '1000@pbx.example.com',
      domain: 'pbx.example.com',
      contactUri: 'sip:1000@192.168.1.50:5060',
      expiresAt: NOW + 3600,
      expiresSec: 3600,
      callId: 'call-1',
      cseq: 10,
      pingStatus: 'Reachable',
    });
    expect(o.bindings.map((b) => b.expiresSec)).toEqual([3600]);
  });

  const expiresRows: Array<[string, Partial<RegisterInput>, number]> = [
    ['a Contact expires param wins over the header', { contacts: [contact('sip:1000@h', { expires: '120' })] }, 120],
    ['the default applies without either', { expiresHeader: undefined }, 3600],
    ['a value over the maximum is shortened to it', { expiresHeader: '86400' }, 3600],
    ['2**32-1 itself is accepted, then shortened', { expiresHeader: '4294967295' }, 3600],
    ['a quoted expires param is read', { contacts: [contact('sip:1000@h', { expires: '"300"' })] }, 300],
  ];
  for (const [name, patch, expected] of expiresRows) {
    it(`${name}`, () => {
      expect(ok(computeRegistration([], req(patch))).added[0]!.expiresSec).toBe(expected);
    });
  }

  it('refreshes a binding on a later CSeq of the same Call-ID', () => {
    const { outcomes, bindings } = run({}, req(), req({ cseq: 11, expiresHeader: '1800', nowSec: NOW + 100 }));
    const second = ok(outcomes[1]!);
    expect(second.added).toEqual([]);
    expect(second.refreshed.map((b) => b.expiresSec)).toEqual([1800]);
    expect(bindings).toHaveLength(1);
    expect(bindings[0]).toMatchObject({ cseq: 11, expiresAt: NOW + 1900 });
  });

  it('answers a query (no Contact) with the live bindings and changes nothing', () => {
    const { bindings } = run({}, req());
    const o = ok(computeRegistration(bindings, req({ contacts: [], nowSec: NOW + 600 })));
    expect(o.bindings.map((b) => b.expiresSec)).toEqual([3000]);
    expect(o.upsert).toEqual([]);
    expect(o.removeKeys).toEqual([]);
  });

  it('leaves expired bindings still in the store out of the 200 and the cap, and refreshes them as existing', () => {
    const { bindings } = run({ multipleRegistrations: 'contact' }, req({ expiresHeader: '60' }));
    const later = NOW + 120;
    const o = ok(computeRegistration(bindings, req({ contacts: [contact('sip:1000@10.9.9.9')], callId: 'x', nowSec: later }), { multipleRegistrations: 'contact', maxContactsPerAor: 1 }));
    expect(o.bindings.map((b) => b.contactUri)).toEqual(['sip:1000@10.9.9.9']);
    const again = ok(computeRegistration(bindings, req({ cseq: 11, nowSec: later }), { multipleRegistrations: 'contact' }));
    expect(again.refreshed).toHaveLength(1);
  });

  it('reads q, +sip.instance and reg-id, and echoes them in the 200 Contact', () => {
    const o = ok(
      computeRegistration(
        [],
        req({ contacts: [contact('sip:1000@10.0.0.5:5060;transport=udp', { q: '0.7', '+sip.instance': '"<urn:uuid:abc>"', 'reg-id': '1' })] }),
      ),
    );
    const b = o.bindings[0]!;
    expect(b).toMatchObject({ q: 0.7, instanceId: '<urn:uuid:abc>', regId: 1, key: 'inst:<urn:uuid:abc>;reg-id=1' });
    expect(responseContact(b)).toBe('<sip:1000@10.0.0.5:5060;transport=udp>;expires=3600;q=0.7;+sip.instance="<urn:uuid:abc>";reg-id=1');
  });

  it('ignores a bad q and a reg-id without +sip.instance', () => {
    const o = ok(computeRegistration([], req({ contacts: [contact('sip:1000@h', { q: '2', 'reg-id': '1' })] })));
    expect(o.added[0]).toMatchObject({ q: undefined, regId: undefined, instanceId: undefined });
  });
});

describe('computeRegistration: removing', () => {
  it('removes a binding with Expires: 0', () => {
    const { outcomes, bindings } = run({}, req(), req({ cseq: 11, expiresHeader: '0' }));
    const o = ok(outcomes[1]!);
    expect(o.removed.map((b) => b.contactUri)).toEqual(['sip:1000@192.168.1.50:5060']);
    expect(o.bindings).toEqual([]);
    expect(bindings).toEqual([]);
  });

  it('answers 200 to removing a contact that is not bound', () => {
    const o = ok(computeRegistration([], req({ expiresHeader: '0' })));
    expect(o.removed).toEqual([]);
    expect(o.upsert).toEqual([]);
  });

  it('removes every binding for "*" with Expires: 0', () => {
    const policy: RegistrarPolicy = { multipleRegistrations: 'contact' };
    const { outcomes, bindings } = run(
      policy,
      req(),
      req({ contacts: [contact('sip:1000@10.0.0.2')], callId: 'call-2', cseq: 1 }),
      req({ contacts: [contact('*')], expiresHeader: '0', callId: 'call-3', cseq: 1 }),
    );
    expect(ok(outcomes[2]!).removed).toHaveLength(2);
    expect(bindings).toEqual([]);
  });

  const bad: Array<[string, Partial<RegisterInput>, RegisterOutcome]> = [
    ['"*" without Expires: 0', { contacts: [contact('*')], expiresHeader: '3600' }, { status: 400, reason: 'Wildcard Contact requires Expires: 0' }],
    ['"*" without any Expires', { contacts: [contact('*')], expiresHeader: undefined }, { status: 400, reason: 'Wildcard Contact requires Expires: 0' }],
    ['"*" with another Contact', { contacts: [contact('*'), contact('sip:1000@h')], expiresHeader: '0' }, { status: 400, reason: 'Wildcard Contact must be the only Contact' }],
    ['an Expires header that is not a number', { expiresHeader: 'soon' }, { status: 400, reason: 'Invalid Expires header' }],
    ['a Contact expires that is not a number', { contacts: [contact('sip:1000@h', { expires: '-1' })] }, { status: 400, reason: 'Invalid Contact expires' }],
    ['an Expires header beyond 2**32-1', { expiresHeader: '4294967296' }, { status: 400, reason: 'Invalid Expires header' }],
    ['a Contact expires beyond 2**32-1', { contacts: [contact('sip:1000@h', { expires: '18446744073709551616' })] }, { status: 400, reason: 'Invalid Contact expires' }],
    ['an interval under the minimum', { expiresHeader: '30' }, { status: 423, minExpiresSec: 60 }],
  ];
  for (const [name, patch, expected] of bad) {
    it(`refuses ${name}`, () => {
      expect(computeRegistration([], req(patch))).toEqual(expected);
    });
  }

  it('accepts a short interval when min-expires is 0, and one hour even under a larger minimum', () => {
    expect(computeRegistration([], req({ expiresHeader: '30' }), { minExpiresSec: 0 }).status).toBe(200);
    expect(computeRegistration([], req({ expiresHeader: '3600' }), { minExpiresSec: 7200, maxExpiresSec: 7200 }).status).toBe(200);
  });
});

describe('computeRegistration: ordering (RFC 3261 §10.3 step 7)', () => {
  it('fails a REGISTER whose CSeq is not higher for the same Call-ID, and changes nothing', () => {
    const { bindings } = run({}, req({ cseq: 10 }));
    for (const cseq of [10, 9]) {
      expect(computeRegistration(bindings, req({ cseq, expiresHeader: '0' }))).toEqual({ status: 500, reason: 'Out of order REGISTER' });
      expect(computeRegistration(bindings, req({ cseq }))).toEqual({ status: 500, reason: 'Out of order REGISTER' });
    }
    expect(computeRegistration(bindings, req({ cseq: 1, contacts: [contact('*')], expiresHeader: '0' }))).toEqual({ status: 500, reason: 'Out of order REGISTER' });
  });

  it('accepts a lower CSeq from another Call-ID, and skips the check when disabled', () => {
    const { bindings } = run({}, req({ cseq: 10 }));
    expect(computeRegistration(bindings, req({ cseq: 1, callId: 'call-2' })).status).toBe(200);
    expect(computeRegistration(bindings, req({ cseq: 1 }), { cseqCheck: false }).status).toBe(200);
  });
});

describe('computeRegistration: multiple-registrations modes', () => {
  const phoneA = req({ contacts: [contact('sip:1000@192.168.1.50:5060')], callId: 'A', cseq: 1 });
  const phoneB = req({ contacts: [contact('sip:1000@192.168.1.60:5060')], callId: 'B', cseq: 1 });

  it('off (FreeSWITCH default): a new device replaces the old one, and an unregister clears the AOR', () => {
    const { bindings, outcomes } = run({ multipleRegistrations: 'off' }, phoneA, phoneB);
    expect(bindings.map((b) => b.contactUri)).toEqual(['sip:1000@192.168.1.60:5060']);
    expect(ok(outcomes[1]!).removed.map((b) => b.callId)).toEqual(['A']);
    const cleared = run({ multipleRegistrations: 'off' }, phoneA, { ...phoneB, contacts: [contact('sip:1000@10.1.1.1')], expiresHeader: '0' });
    expect(cleared.bindings).toEqual([]);
  });

  it('contact: devices coexist and each removes only its own binding', () => {
    const { bindings } = run({ multipleRegistrations: 'contact' }, phoneA, phoneB, { ...phoneA, cseq: 2, expiresHeader: '0' });
    expect(bindings.map((b) => b.callId)).toEqual(['B']);
  });

  it('contact: a phone whose address changed replaces its binding when it sends +sip.instance', () => {
    const inst = { '+sip.instance': '"<urn:uuid:linphone-1>"', 'reg-id': '1' };
    const { bindings } = run(
      { multipleRegistrations: 'contact' },
      req({ contacts: [contact('sip:1000@10.0.0.5:5060', inst)], callId: 'L', cseq: 1 }),
      req({ contacts: [contact('sip:1000@10.0.0.77:40123', inst)], callId: 'L', cseq: 2 }),
    );
    expect(bindings.map((b) => b.contactUri)).toEqual(['sip:1000@10.0.0.77:40123']);
  });

  it('call-id: one binding per Call-ID', () => {
    const { bindings } = run(
      { multipleRegistrations: 'call-id' },
      phoneA,
      { ...phoneA, cseq: 2, contacts: [contact('sip:1000@192.168.1.50:5070')] },
      phoneB,
    );
    expect(bindings.map((b) => `${b.callId} ${b.contactUri}`).sort()).toEqual(['A sip:1000@192.168.1.50:5070', 'B sip:1000@192.168.1.60:5060']);
  });

  it('refuses with 403 a registration that would exceed the contacts cap, leaving the others', () => {
    const policy: RegistrarPolicy = { multipleRegistrations: 'contact', maxContactsPerAor: 2 };
    const phoneC = req({ contacts: [contact('sip:1000@192.168.1.70:5060')], callId: 'C', cseq: 1 });
    const { bindings, outcomes } = run(policy, phoneA, phoneB, phoneC);
    expect(outcomes[2]).toEqual({ status: 403, reason: 'Too many registrations' });
    expect(bindings).toHaveLength(2);
    // A refresh of an existing binding still works at the cap.
    expect(computeRegistration(bindings, { ...phoneA, cseq: 2 }, policy).status).toBe(200);
    const many = req({ contacts: [1, 2, 3].map((i) => contact(`sip:1000@10.0.0.${i}`)) });
    expect(computeRegistration([], many, policy)).toEqual({ status: 403, reason: 'Too many contacts' });
  });
});

describe('parsers', () => {
  it('parse delta-seconds and the multiple-registrations param', () => {
    expect(parseDeltaSeconds('0')).toBe(0);
    expect(parseDeltaSeconds(' 3600 ')).toBe(3600);
    expect(parseDeltaSeconds('4294967295')).toBe(MAX_DELTA_SECONDS);
    expect(parseDeltaSeconds('4294967296')).toBeUndefined();
    expect(parseDeltaSeconds('99999999999999999999')).toBeUndefined();
    expect(parseDeltaSeconds('00000000000000000060')).toBe(60);
    expect(parseDeltaSeconds('1e3')).toBeUndefined();
    expect(parseDeltaSeconds('')).toBeUndefined();
    expect(parseMultipleRegistrations(undefined)).toBe('off');
    expect(parseMultipleRegistrations('true')).toBe('contact');
    expect(parseMultipleRegistrations('contact')).toBe('contact');
    expect(parseMultipleRegistrations('call-id')).toBe('call-id');
    expect(parseMultipleRegistrations('false')).toBe('off');
  });
});

describe('applyRegistration on the SQLite store', () => {
  it('stores bindings that are still there, reachable, after a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'registrar-'));
    const file = join(dir, 'db', 'registrations.db');
    try {
      const policy: RegistrarPolicy = { multipleRegistrations: 'contact' };
      const store = SqliteLocationStore.open(file);
      const first = applyRegistration(store, req({ natted: true, source: { ip: '203.0.113.7', port: 40912, transport: 'udp' } }), policy);
      expect(first).toMatchObject({ status: 200 });
      applyRegistration(store, req({ user: '1001', callId: 'c2', expiresHeader: '60' }), policy);
      // A refused request changes nothing.
      expect(applyRegistration(store, req({ cseq: 5 }), policy)).toMatchObject({ status: 500 });
      store.close();

      const reopened = SqliteLocationStore.open(file);
      try {
        const [b] = reopened.lookup('1000@pbx.example.com', NOW);
        expect(b).toMatchObject({ natted: true, sourceIp: '203.0.113.7', sourcePort: 40912, cseq: 10, expiresAt: NOW + 3600 });
        // The sweeper removes what ran out (60 s binding, 60 s late margin) and reports it.
        const expired = reopened.expire(NOW + 200 - 60);
        expect(expired.map((x) => x.user)).toEqual(['1001']);
        expect(reopened.count()).toBe(1);
        const unreg = applyRegistration(reopened, req({ cseq: 11, expiresHeader: '0', nowSec: NOW + 300 }), policy);
        expect(unreg).toMatchObject({ status: 200, removed: [{ user: '1000' }] });
        expect(reopened.count()).toBe(0);
      } finally {
        reopened.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
