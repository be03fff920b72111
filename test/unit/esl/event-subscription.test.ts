import { describe, expect, it } from 'vitest';
import { EventBus, type EventHeaders, type SwitchEvent } from '../../../src/common/index.js';
import { AuthThrottle, canonicalEventName, EventSubscription, isLoopbackAddress } from '../../../src/esl/index.js';

const bus = new EventBus({ coreUuid: 'core', hostname: 'h' });
function ev(name: string, headers: EventHeaders = [], subclass?: string): SwitchEvent {
  return bus.stamp(name, headers, { subclass });
}

describe('EventSubscription', () => {
  it('answers -ERR no keywords supplied for a format without names, keeping the format', () => {
    const s = new EventSubscription();
    expect(s.enable('json')).toBe('-ERR no keywords supplied');
    expect(s.enabled).toBe(false);
    expect(s.format).toBe('json');
  });

  it('ignores unknown names and accepts names in any case, with or without SWITCH_EVENT_', () => {
    const s = new EventSubscription();
    expect(s.enable('plain nonsense')).toBe('-ERR no keywords supplied');
    expect(s.enable('plain heartbeat SWITCH_EVENT_RELOADXML')).toBe('+OK event listener enabled plain');
    expect(s.matches(ev('HEARTBEAT'))).toBe(true);
    expect(s.matches(ev('RELOADXML'))).toBe(true);
    expect(s.matches(ev('CHANNEL_CREATE'))).toBe(false);
  });

  it('adds names across calls and keeps the last format', () => {
    const s = new EventSubscription();
    s.enable('plain HEARTBEAT');
    expect(s.enable('xml RELOADXML')).toBe('+OK event listener enabled xml');
    expect(s.enable('BACKGROUND_JOB')).toBe('+OK event listener enabled xml');
    expect(['HEARTBEAT', 'RELOADXML', 'BACKGROUND_JOB'].every((n) => s.matches(ev(n)))).toBe(true);
  });

  it('treats every word after CUSTOM as a subclass', () => {
    const s = new EventSubscription();
    s.enable('plain CUSTOM sofia::register HEARTBEAT');
    expect(s.matches(ev('CUSTOM', [], 'sofia::register'))).toBe(true);
    expect(s.matches(ev('CUSTOM', [], 'sofia::unregister'))).toBe(false);
    // HEARTBEAT came after CUSTOM, so it is a subclass name, not an event name.
    expect(s.matches(ev('HEARTBEAT'))).toBe(false);
  });

  it('lets ALL through every event, CUSTOM subclasses included', () => {
    const s = new EventSubscription();
    s.enable('json ALL');
    expect(s.matches(ev('CUSTOM', [], 'anything::here'))).toBe(true);
    expect(s.matches(ev('HEARTBEAT'))).toBe(true);
    expect(s.matches(ev('SOMETHING_NEW'))).toBe(true);
  });

  it('nixes one event out of ALL and keeps the others', () => {
    const s = new EventSubscription();
    s.enable('plain ALL');
    expect(s.nix('HEARTBEAT')).toBe('+OK events nixed');
    expect(s.matches(ev('HEARTBEAT'))).toBe(false);
    expect(s.matches(ev('RELOADXML'))).toBe(true);
    expect(s.nix('bogus')).toBe('-ERR no keywords supplied');
  });

  it('stops listening on noevents and says so only once', () => {
    const s = new EventSubscription();
    expect(s.disable()).toBe('-ERR not listening for events');
    s.enable('plain ALL');
    expect(s.disable()).toBe('+OK no longer listening for events');
    expect(s.matches(ev('HEARTBEAT'))).toBe(false);
    expect(s.disable()).toBe('-ERR not listening for events');
  });

  describe('filters', () => {
    const a = ev('CHANNEL_CREATE', [['Unique-ID', 'aaa'], ['Caller-Caller-ID-Name', 'Extension 1000']]);
    const b = ev('CHANNEL_CREATE', [['Unique-ID', 'bbb']]);
    const hb = ev('HEARTBEAT');

    it('answers in FreeSWITCH words for add, delete and bad syntax', () => {
      const s = new EventSubscription();
      expect(s.filter('Unique-ID aaa')).toBe('+OK filter added. [Unique-ID]=[aaa]');
      expect(s.filter('Caller-Caller-ID-Name Extension 1000')).toBe('+OK filter added. [Caller-Caller-ID-Name]=[Extension 1000]');
      expect(s.filter('delete Unique-ID aaa')).toBe('+OK filter deleted. [Unique-ID][aaa]');
      expect(s.filter('delete all')).toBe('+OK filter deleted. [all][]');
      expect(s.filter('Unique-ID')).toBe('-ERR invalid syntax');
      expect(s.filter('')).toBe('-ERR invalid syntax');
      expect(s.filter('Unique-ID /[/')).toBe('-ERR invalid regex [/[/]');
    });

    it('passes only events whose header matches one of the filters (OR), case-insensitively', () => {
      const s = new EventSubscription();
      s.enable('plain ALL');
      s.filter('Unique-ID AAA');
      expect(s.matches(a)).toBe(true);
      expect(s.matches(b)).toBe(false);
      expect(s.matches(hb)).toBe(false);
      s.filter('Event-Name HEARTBEAT');
      expect(s.matches(hb)).toBe(true);
      expect(s.matches(b)).toBe(false);
    });

    it('matches /regex/ values as regular expressions', () => {
      const s = new EventSubscription();
      s.enable('plain ALL');
      s.filter('Unique-ID /^b+$/');
      expect(s.matches(b)).toBe(true);
      expect(s.matches(a)).toBe(false);
    });

    it('excludes events matching a -value filter', () => {
      const s = new EventSubscription();
      s.enable('plain ALL');
      s.filter('Event-Name CHANNEL_CREATE');
      s.filter('Unique-ID -bbb');
      expect(s.matches(a)).toBe(true);
      expect(s.matches(b)).toBe(false);
    });

    it('deletes one header value and keeps the others, then everything with all', () => {
      const s = new EventSubscription();
      s.filter('Unique-ID aaa');
      s.filter('Unique-ID bbb');
      s.filter('delete Unique-ID aaa');
      expect(s.filtersForTesting()).toEqual([['Unique-ID', 'bbb']]);
      s.filter('delete all');
      expect(s.filtersForTesting()).toEqual([]);
    });
  });

  it('binds myevents to one channel, its channel events and the jobs it owns', () => {
    const s = new EventSubscription();
    expect(s.enableMyEvents('aaa', 'json')).toBe('+OK Events Enabled');
    expect(s.format).toBe('json');
    expect(s.matches(ev('CHANNEL_ANSWER', [['Unique-ID', 'aaa']]))).toBe(true);
    expect(s.matches(ev('CHANNEL_ANSWER', [['Unique-ID', 'bbb']]))).toBe(false);
    expect(s.matches(ev('BACKGROUND_JOB', [['Job-Owner-UUID', 'aaa']]))).toBe(true);
    expect(s.matches(ev('BACKGROUND_JOB', [['Job-UUID', 'x']]))).toBe(false);
    expect(s.matches(ev('HEARTBEAT'))).toBe(false);
    expect(s.enableMyEvents('bbb')).toBe('-ERR aready enabled.');
  });
});

describe('canonicalEventName', () => {
  it('knows FS names in any case and refuses the rest', () => {
    expect(canonicalEventName('channel_create')).toBe('CHANNEL_CREATE');
    expect(canonicalEventName('switch_event_all')).toBe('ALL');
    expect(canonicalEventName('NOT_AN_EVENT')).toBeUndefined();
  });
});

describe('AuthThrottle', () => {
  it('answers the first failure at once, then doubles the delay up to the cap', () => {
    const t = new AuthThrottle({ baseDelayMs: 100, maxDelayMs: 350, now: () => 0 });
    expect([1, 2, 3, 4, 5].map(() => t.recordFailure('10.0.0.1'))).toEqual([0, 100, 200, 350, 350]);
    expect(t.recordFailure('10.0.0.2')).toBe(0);
  });

  it('forgets an address after a success or a quiet period', () => {
    let now = 0;
    const t = new AuthThrottle({ baseDelayMs: 100, forgetAfterMs: 1000, now: () => now });
    t.recordFailure('a');
    t.recordSuccess('a');
    expect(t.recordFailure('a')).toBe(0);
    now = 5000;
    expect(t.recordFailure('a')).toBe(0);
  });

  it('remembers at most maxEntries addresses', () => {
    const t = new AuthThrottle({ maxEntries: 10, now: () => 0 });
    for (let i = 0; i < 1000; i++) t.recordFailure(`10.0.${i >> 8}.${i & 255}`);
    expect(t.size).toBe(10);
  });
});

describe('isLoopbackAddress', () => {
  const rows: Array<[string, boolean]> = [
    ['127.0.0.1', true],
    ['127.10.20.30', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['::FFFF:127.0.0.2', true],
    ['128.0.0.1', false],
    ['10.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['127.0.0.256', false],
    ['fe80::1', false],
    ['', false],
  ];
  for (const [ip, expected] of rows) {
    it(`${expected ? 'allows' : 'refuses'} ${JSON.stringify(ip)}`, () => expect(isLoopbackAddress(ip)).toBe(expected));
  }
});
