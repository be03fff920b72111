// Time-of-day conditions of the XML dialplan (FS switch_xml_std_datetime_check): the attributes
// year, yday, mon, mday, week, mweek, wday, hour, minute, minute-of-day, time-of-day,
// date-time, tz-offset and dst on a <condition> or <regex>. All present attributes must match;
// the result is 1 (pass), 0 (fail) or -1 (no time attribute at all). Number lists take ranges
// that wrap (`mon="10-2"`), wday takes names, time-of-day and date-time take comma lists.

import { atoi, isFsNumber } from './app-args.js';
import { breakDownTime, wallClockToEpoch, type BrokenDownTime, type ZoneSpec } from './clock.js';

/** Attribute names that make a condition a time condition, in FS's evaluation order. */
export const TIME_ATTRIBUTES = [
  'tz-offset', 'dst', 'date-time', 'year', 'yday', 'mon', 'mday', 'week', 'mweek', 'wday',
  'hour', 'minute', 'minute-of-day', 'time-of-day',
] as const;

export type TimeAttribute = (typeof TIME_ATTRIBUTES)[number];

/** The time attributes of one element, as written. */
export type TimeSpec = ReadonlyArray<readonly [TimeAttribute, string]>;

/** Where and when to evaluate: the instant, the zone of the call and the server's own zone. */
export interface TimeContext {
  readonly nowMs: number;
  /** Zone for the calendar fields (channel `tod_tz_offset` / `timezone`, else local). */
  readonly zone: ZoneSpec;
  /** `tod_tz_offset` in whole hours when the channel set one. */
  readonly todTzOffsetHours: number | undefined;
  /** The server's local zone (FS reads `dst` from it). */
  readonly localZone: ZoneSpec;
}

/** Pick the time attributes out of an element's attributes (undefined when there are none). */
export function extractTimeSpec(attrs: Readonly<Record<string, string>>): TimeSpec | undefined {
  const spec: Array<readonly [TimeAttribute, string]> = [];
  for (const name of TIME_ATTRIBUTES) {
    const v = attrs[name];
    if (v === undefined) continue;
    // FS ignores an empty dst attribute entirely.
    if (name === 'dst' && v === '') continue;
    spec.push([name, v]);
  }
  return spec.length > 0 ? spec : undefined;
}

/** Problems a person should hear about at load time (FS only logs them per call). */
export function validateTimeSpec(spec: TimeSpec): string[] {
  const problems: string[] = [];
  for (const [name, value] of spec) {
    const v = value.replace(/\s+/g, '');
    let ok = true;
    switch (name) {
      case 'wday':
        ok = /^([1-7]|sun|mon|tue|wed|thu|fri|sat)(-([1-7]|sun|mon|tue|wed|thu|fri|sat))?(,([1-7]|sun|mon|tue|wed|thu|fri|sat)(-([1-7]|sun|mon|tue|wed|thu|fri|sat))?)*$/i.test(v);
        break;
      case 'time-of-day':
        ok = /^\d{1,2}:\d{1,2}(:\d{1,2})?-\d{1,2}:\d{1,2}(:\d{1,2})?(,\d{1,2}:\d{1,2}(:\d{1,2})?-\d{1,2}:\d{1,2}(:\d{1,2})?)*$/.test(v);
        break;
      case 'date-time':
        ok = value.split(',').every((r) => /^\s*\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{1,2}(:\d{1,2})?\s*~\s*\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{1,2}(:\d{1,2})?\s*$/.test(r));
        break;
      case 'tz-offset':
        ok = isFsNumber(v) && v !== '';
        break;
      case 'dst':
        ok = true;
        break;
      default:
        ok = /^-?\d+(--?\d+)?(,-?\d+(--?\d+)?)*$/.test(v);
    }
    if (!ok) problems.push(`${name}="${value}" is not a valid value`);
  }
  return problems;
}

/** Evaluate a time spec: 1 pass, 0 fail, -1 when `spec` is undefined. */
export function checkTime(spec: TimeSpec | undefined, ctx: TimeContext): -1 | 0 | 1 {
  if (!spec) return -1;
  let tm: BrokenDownTime | undefined;
  const local = (): BrokenDownTime => (tm ??= breakDownTime(ctx.nowMs, ctx.zone));
  for (const [name, exp] of spec) {
    let pass: boolean;
    switch (name) {
      case 'tz-offset': {
        const eoffset = ctx.todTzOffsetHours ?? Math.trunc(local().gmtoffSec / 3600);
        const loffset = exp !== '' && isFsNumber(exp) ? atoi(exp) : eoffset;
        pass = loffset === eoffset;
        break;
      }
      case 'dst': {
        const serverTm = breakDownTime(ctx.nowMs, ctx.localZone);
        pass = serverTm.isDst && isTrueish(exp);
        break;
      }
      case 'date-time':
        pass = fullDateCmp(exp, ctx.nowMs, ctx.zone);
        break;
      case 'year':
        pass = numberCmp(exp, local().year);
        break;
      case 'yday':
        pass = numberCmp(exp, local().yday + 1);
        break;
      case 'mon':
        pass = numberCmp(exp, local().mon);
        break;
      case 'mday':
        pass = numberCmp(exp, local().mday);
        break;
      case 'week':
        pass = numberCmp(exp, Math.floor(local().yday / 7) + 1);
        break;
      case 'mweek': {
        const t = local();
        // Day of the week of the 1st of the month (0–6), then the week of the month (1–6).
        const firstDow = (7 - ((t.mday - (t.wday + 1)) % 7)) % 7;
        pass = numberCmp(exp, Math.ceil((t.mday + firstDow) / 7));
        break;
      }
      case 'wday':
        pass = dowCmp(exp, local().wday + 1);
        break;
      case 'hour':
        pass = numberCmp(exp, local().hour);
        break;
      case 'minute':
        pass = numberCmp(exp, local().min);
        break;
      case 'minute-of-day':
        pass = numberCmp(exp, local().hour * 60 + local().min + 1);
        break;
      case 'time-of-day':
        pass = todCmp(exp, local().hour * 3600 + local().min * 60 + local().sec);
        break;
    }
    if (!pass) return 0;
  }
  return 1;
}

function isTrueish(v: string): boolean {
  const l = v.toLowerCase();
  return ['yes', 'on', 'true', 't', 'enabled', 'active', 'allow'].includes(l) || (isFsNumber(v) && atoi(v) !== 0);
}

/** C strtol at `pos`: returns the value and the index after it (pos unchanged if no digits). */
function strtol(s: string, pos: number): [number, number] {
  const m = /^\s*([+-]?\d+)/.exec(s.slice(pos));
  if (!m) return [0, pos];
  return [Number.parseInt(m[1]!, 10), pos + m[0].length];
}

/** FS switch_number_cmp: comma list of numbers and ranges; a reversed range wraps around. */
export function numberCmp(exp: string, val: number): boolean {
  let p = 0;
  for (let guard = 0; guard < 1000; guard++) {
    const [a, p1] = strtol(exp, p);
    p = p1;
    if (exp[p] !== '-') {
      if (a === val) return true;
    } else {
      const [b, p2] = strtol(exp, p + 1);
      p = p2;
      if (a <= b ? val >= a && val <= b : val >= a || val <= b) return true;
    }
    if (exp[p] !== ',') return false;
    p++;
  }
  return false;
}

const DOW_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** FS switch_dow_cmp: `1`–`7` or `sun`…`sat`, ranges with `-` (no wrap), lists with `,`. */
export function dowCmp(exp: string, val: number): boolean {
  const HYPHEN = -3;
  const COMMA = -4;
  const EOF = -1;
  const ERR = -2;
  let p = 0;
  const next = (): number => {
    if (p >= exp.length) return EOF;
    const c = exp[p]!;
    if (c === '-') {
      p++;
      return HYPHEN;
    }
    if (c === ',') {
      p++;
      return COMMA;
    }
    if (c >= '1' && c <= '7') {
      p++;
      return Number(c);
    }
    const idx = DOW_NAMES.indexOf(exp.slice(p, p + 3).toLowerCase());
    if (idx !== -1) {
      p += 3;
      return idx + 1;
    }
    return ERR;
  };
  let prev = EOF;
  let rangeStart = EOF;
  for (;;) {
    const cur = next();
    if (cur === EOF || cur === ERR) return false;
    if (cur === COMMA) {
      prev = EOF;
      continue;
    }
    if (cur === HYPHEN) {
      rangeStart = prev;
      prev = cur;
      continue;
    }
    if (rangeStart !== EOF) {
      if (val >= rangeStart && val <= cur) return true;
      rangeStart = EOF;
    } else if (val === cur) {
      return true;
    }
    prev = cur;
  }
}

function hms(part: string): number | undefined {
  const fields = part.split(':');
  if (fields.length < 2) return undefined;
  return atoi(fields[0]!) * 3600 + atoi(fields[1]!) * 60 + (fields[2] !== undefined ? atoi(fields[2]) : 0);
}

/** FS switch_tod_cmp: `hh:mm[:ss]-hh:mm[:ss]`, comma list; a reversed range spans midnight. */
export function todCmp(exp: string, secOfDay: number): boolean {
  for (const item of exp.split(',')) {
    const colon = item.indexOf(':');
    if (colon === -1) continue;
    const dash = item.indexOf('-', colon + 1);
    if (dash === -1) continue;
    const start = hms(item.slice(0, dash));
    const end = hms(item.slice(dash + 1));
    if (start === undefined || end === undefined) continue;
    const inside = start <= end ? secOfDay >= start && secOfDay <= end : secOfDay >= start || secOfDay <= end;
    if (inside) return true;
  }
  return false;
}

function parseDateTime(text: string, zone: ZoneSpec): number | undefined {
  const m = /^\s*(\d+)-(\d+)-(\d+) (\d+):(\d+)(?::(\d+))?\s*$/.exec(text);
  if (!m) return undefined;
  const n = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  return wallClockToEpoch(zone, n[0]!, n[1]!, n[2]!, n[3]!, n[4]!, n[5]!);
}

/** FS switch_fulldate_cmp: `YYYY-MM-DD hh:mm[:ss]~YYYY-MM-DD hh:mm[:ss]`, comma list; end excluded. */
export function fullDateCmp(exp: string, nowMs: number, zone: ZoneSpec): boolean {
  const nowSec = Math.floor(nowMs / 1000);
  for (const item of exp.split(',')) {
    const tilde = item.indexOf('~');
    if (tilde === -1) continue;
    const start = parseDateTime(item.slice(0, tilde), zone);
    const end = parseDateTime(item.slice(tilde + 1), zone);
    if (start === undefined || end === undefined) continue;
    if (Math.floor(start / 1000) <= nowSec && Math.floor(end / 1000) > nowSec) return true;
  }
  return false;
}
