// Time-of-day conditions against a fixed clock: 2024-06-05 10:30:15 UTC, a Wednesday
// (wday 4, yday 157, week 23, week of month 2, minute-of-day 631).

import { describe, expect, it } from 'vitest';
import { apps, route } from './channel.js';

function timeRoute(attrs: string, vars: Record<string, string> = {}, localTimezone = 'UTC'): string[] {
  const { result } = route({
    xml: `<extension name="t"><condition ${attrs}>
            <action application="pass" data=""/><anti-action application="fail" data=""/></condition></extension>`,
    vars,
    options: { localTimezone },
  });
  return apps(result);
}

const rows: Array<[string, string, boolean]> = [
  ['wday names as a range', 'wday="mon-fri"', true],
  ['wday names as a list', 'wday="sat,sun"', false],
  ['wday as a number (1 = Sunday)', 'wday="4"', true],
  ['wday numeric range', 'wday="2-6"', true],
  ['wday name in another case', 'wday="Wed"', true],
  ['wday list of numbers', 'wday="1,7"', false],
  ['hour range', 'hour="9-18"', true],
  ['hour range wrapping midnight', 'hour="22-6"', false],
  ['single hour', 'hour="10"', true],
  ['hour list', 'hour="8,9,10"', true],
  ['hour list of ranges', 'hour="0-3,10-11"', true],
  ['minute', 'minute="30"', true],
  ['minute range', 'minute="0-29"', false],
  ['minute-of-day (midnight = 1)', 'minute-of-day="631"', true],
  ['minute-of-day range', 'minute-of-day="600-630"', false],
  ['time-of-day range', 'time-of-day="08:00-12:00"', true],
  ['time-of-day with seconds, both ends included', 'time-of-day="10:30:15-10:30:15"', true],
  ['time-of-day later today', 'time-of-day="10:31-17:00"', false],
  ['time-of-day wrapping midnight', 'time-of-day="17:00-11:00"', true],
  ['time-of-day list ending before now', 'time-of-day="12:00-17:00,08:00-10:30"', false],
  ['time-of-day list', 'time-of-day="12:00-17:00,08:00-10:31"', true],
  ['date-time range', 'date-time="2024-06-05 10:00~2024-06-05 11:00"', true],
  ['date-time range in the past', 'date-time="2024-12-24 00:00~2024-12-26 23:59"', false],
  ['date-time list', 'date-time="2024-12-24 00:00~2024-12-26 23:59,2024-06-01 00:00~2024-06-30 00:00"', true],
  ['date-time end is excluded', 'date-time="2024-06-05 09:00~2024-06-05 10:30:15"', false],
  ['year', 'year="2024"', true],
  ['year range', 'year="2023-2025"', true],
  ['month', 'mon="6"', true],
  ['month range wrapping the year end', 'mon="10-2"', false],
  ['day of month', 'mday="5"', true],
  ['day of month list', 'mday="1,5,9"', true],
  ['day of year (1-based)', 'yday="157"', true],
  ['week of year', 'week="23"', true],
  ['week of month', 'mweek="2"', true],
  ['week of month, first week', 'mweek="1"', false],
  ['vanilla tod_example: weekdays 9–18', 'wday="2-6" hour="9-18"', true],
  ['all attributes must match', 'wday="2-6" hour="18-23"', false],
  ['vanilla holiday: New Year', 'mon="1" mday="1"', false],
  ['tz-offset of the local zone', 'tz-offset="0"', true],
  ['another tz-offset', 'tz-offset="2"', false],
];

describe('time conditions', () => {
  it.each(rows)('%s: %s', (_name, attrs, pass) => {
    expect(timeRoute(attrs)).toEqual([pass ? 'pass()' : 'fail()']);
  });

  it('reads the calendar in the zone named by the timezone variable', () => {
    // 06:30:15 EDT (UTC-4)
    expect(timeRoute('hour="6"', { timezone: 'America/New_York' })).toEqual(['pass()']);
    expect(timeRoute('hour="10"', { timezone: 'America/New_York' })).toEqual(['fail()']);
    expect(timeRoute('tz-offset="-4"', { timezone: 'America/New_York' })).toEqual(['pass()']);
  });

  it('tod_tz_offset (hours) wins over timezone', () => {
    expect(timeRoute('hour="5"', { tod_tz_offset: '-5', timezone: 'America/New_York' })).toEqual(['pass()']);
    expect(timeRoute('tz-offset="-5"', { tod_tz_offset: '-5' })).toEqual(['pass()']);
  });

  it('uses the server local zone for the calendar when the channel names none', () => {
    expect(timeRoute('hour="12"', {}, 'Europe/Paris')).toEqual(['pass()']);
  });

  it('dst follows the server local zone', () => {
    expect(timeRoute('dst="true"', {}, 'Europe/Paris')).toEqual(['pass()']);
    expect(timeRoute('dst="true"', {}, 'UTC')).toEqual(['fail()']);
  });

  it('an unknown timezone name falls back to local time with a warning', () => {
    const { result } = route({
      xml: `<extension name="t"><condition hour="10"><action application="pass" data=""/></condition></extension>`,
      vars: { timezone: 'Mars/Olympus' },
    });
    expect(apps(result)).toEqual(['pass()']);
    expect(result.log).toContainEqual({ level: 'warn', message: 'Unknown timezone Mars/Olympus, using local time' });
  });

  it('a failing time-only condition without anti-actions lets hunting continue', () => {
    const { result } = route({
      xml: `<extension name="closed"><condition wday="1,7"><action application="never" data=""/></condition></extension>
            <extension name="next"><condition><action application="next" data=""/></condition></extension>`,
    });
    expect(apps(result)).toEqual(['next()']);
  });

  it('⚠ field plus time: a time pass queues the actions though the field fails, and hunting goes on', () => {
    const { result } = route({
      xml: `<extension name="quirk"><condition field="destination_number" expression="^2000$" wday="4">
              <action application="quirk" data=""/><anti-action application="never" data=""/></condition></extension>
            <extension name="next"><condition><action application="next" data=""/></condition></extension>`,
    });
    expect(apps(result)).toEqual(['quirk()', 'next()']);
    expect(result.matchedExtensions).toEqual(['next']);
  });

  it('<regex> children may be time tests', () => {
    const { result } = route({
      xml: `<extension name="t"><condition regex="any">
              <regex wday="1,7"/><regex hour="10"/>
              <action application="pass" data=""/></condition></extension>`,
    });
    expect(apps(result)).toEqual(['pass()']);
  });

  it('logs the date/time result FS-style', () => {
    const { result } = route({
      xml: `<extension name="tod_example" continue="true"><condition wday="2-6" hour="9-18">
              <action application="set" data="open=true"/></condition></extension>`,
    });
    expect(result.log.map((l) => l.message)).toContain('Dialplan: sofia/internal/1001@10.0.0.1 Date/Time Match (PASS) [tod_example] break=on-false');
  });
});
