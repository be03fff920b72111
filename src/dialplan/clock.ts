// Calendar arithmetic for the dialplan: an instant broken down in a time zone (the server's
// local zone, a fixed offset in hours like FS's `tod_tz_offset`, or an IANA name like FS's
// `timezone`), and C strftime formatting of it (`%Y-%m-%d %H:%M:%S`, `%a, %d %b %Y %T %z`…).
// Named zones go through Intl; nothing here reads the wall clock: callers pass the instant.

/** Where to break an instant down. */
export type ZoneSpec =
  | { readonly kind: 'local' }
  | { readonly kind: 'offset'; readonly hours: number }
  | { readonly kind: 'name'; readonly name: string };

/** struct tm, with FS's conventions noted where they differ from C. */
export interface BrokenDownTime {
  readonly epochMs: number;
  readonly year: number;
  /** 1–12. */
  readonly mon: number;
  readonly mday: number;
  readonly hour: number;
  readonly min: number;
  readonly sec: number;
  /** 0 = Sunday … 6 = Saturday (C tm_wday). */
  readonly wday: number;
  /** 0-based day of the year (C tm_yday). */
  readonly yday: number;
  /** Seconds east of UTC. */
  readonly gmtoffSec: number;
  readonly isDst: boolean;
  /** Short zone name (`UTC`, `CET`, `GMT+2`…), empty for a bare offset. */
  readonly zoneAbbrev: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_FORMATTERS = 64;

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      timeZoneName: 'short',
    });
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatters.set(zone, f);
  }
  return f;
}

/** True when `name` is a time zone Intl knows. */
export function isKnownTimeZone(name: string): boolean {
  try {
    formatterFor(name);
    return true;
  } catch {
    return false;
  }
}

function ydayOf(year: number, mon: number, mday: number): number {
  return Math.round((Date.UTC(year, mon - 1, mday) - Date.UTC(year, 0, 1)) / 86_400_000);
}

interface Fields {
  year: number;
  mon: number;
  mday: number;
  hour: number;
  min: number;
  sec: number;
  abbrev: string;
}

const abbrevFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * en-US names only the American zones (others come out as `GMT+2`); en-GB knows the European
 * ones (`CEST`, `BST`). Use whichever gives a real abbreviation.
 */
function zoneAbbrev(epochMs: number, zone: string | undefined, usName: string): string {
  if (!/^GMT[+-]/.test(usName)) return usName;
  const key = zone ?? '';
  let f = abbrevFormatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { ...(zone ? { timeZone: zone } : {}), timeZoneName: 'short' });
    if (abbrevFormatters.size >= MAX_FORMATTERS) abbrevFormatters.clear();
    abbrevFormatters.set(key, f);
  }
  const gb = f.formatToParts(new Date(epochMs)).find((p) => p.type === 'timeZoneName')?.value ?? '';
  return gb !== '' && !/^GMT[+-]/.test(gb) ? gb : usName;
}

function fieldsInZone(epochMs: number, zone: string): Fields {
  const parts = formatterFor(zone).formatToParts(new Date(epochMs));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '0';
  return {
    year: Number(get('year')),
    mon: Number(get('month')),
    mday: Number(get('day')),
    hour: Number(get('hour')) % 24,
    min: Number(get('minute')),
    sec: Number(get('second')),
    abbrev: zoneAbbrev(epochMs, zone, get('timeZoneName')),
  };
}

function offsetInZone(epochMs: number, zone: string): number {
  const f = fieldsInZone(epochMs, zone);
  const asUtc = Date.UTC(f.year, f.mon - 1, f.mday, f.hour, f.min, f.sec);
  return Math.round((asUtc - Math.floor(epochMs / 1000) * 1000) / 1000);
}

/** The server zone's short names, made once: building a DateTimeFormat costs far more than using one. */
let localNames: Intl.DateTimeFormat | undefined;
let lastLocal: BrokenDownTime | undefined;

/** Break `epochMs` down in `zone`. Throws RangeError for an unknown zone name. */
export function breakDownTime(epochMs: number, zone: ZoneSpec): BrokenDownTime {
  if (zone.kind === 'offset') {
    const gmtoffSec = Math.round(zone.hours * 3600);
    const d = new Date(epochMs + gmtoffSec * 1000);
    const year = d.getUTCFullYear();
    const mon = d.getUTCMonth() + 1;
    const mday = d.getUTCDate();
    return {
      epochMs,
      year,
      mon,
      mday,
      hour: d.getUTCHours(),
      min: d.getUTCMinutes(),
      sec: d.getUTCSeconds(),
      wday: d.getUTCDay(),
      yday: ydayOf(year, mon, mday),
      gmtoffSec,
      isDst: false,
      zoneAbbrev: '',
    };
  }
  if (zone.kind === 'local') {
    // A hunt asks for the same instant once per time condition (the vanilla default context
    // has a dozen): the last answer is kept. BrokenDownTime is read-only, so it is shared.
    if (lastLocal !== undefined && lastLocal.epochMs === epochMs) return lastLocal;
    const d = new Date(epochMs);
    const year = d.getFullYear();
    const mon = d.getMonth() + 1;
    const mday = d.getDate();
    const offsetMin = -d.getTimezoneOffset();
    const jan = -new Date(year, 0, 1).getTimezoneOffset();
    const jul = -new Date(year, 6, 1).getTimezoneOffset();
    localNames ??= new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' });
    const usName = localNames.formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '';
    const abbrev = zoneAbbrev(epochMs, undefined, usName);
    lastLocal = {
      epochMs,
      year,
      mon,
      mday,
      hour: d.getHours(),
      min: d.getMinutes(),
      sec: d.getSeconds(),
      wday: d.getDay(),
      yday: ydayOf(year, mon, mday),
      gmtoffSec: offsetMin * 60,
      isDst: jan !== jul && offsetMin === Math.max(jan, jul),
      zoneAbbrev: abbrev,
    };
    return lastLocal;
  }
  const f = fieldsInZone(epochMs, zone.name);
  const gmtoffSec = offsetInZone(epochMs, zone.name);
  const janOff = offsetInZone(Date.UTC(f.year, 0, 1, 12), zone.name);
  const julOff = offsetInZone(Date.UTC(f.year, 6, 1, 12), zone.name);
  return {
    epochMs,
    year: f.year,
    mon: f.mon,
    mday: f.mday,
    hour: f.hour,
    min: f.min,
    sec: f.sec,
    wday: new Date(Date.UTC(f.year, f.mon - 1, f.mday)).getUTCDay(),
    yday: ydayOf(f.year, f.mon, f.mday),
    gmtoffSec,
    isDst: janOff !== julOff && gmtoffSec === Math.max(janOff, julOff),
    zoneAbbrev: f.abbrev,
  };
}

/**
 * The instant at which wall-clock time `y-m-d h:mi:s` occurs in `zone` (the first one, when a
 * DST change makes it ambiguous). Used for `date-time` ranges.
 */
export function wallClockToEpoch(zone: ZoneSpec, y: number, m: number, d: number, h: number, mi: number, s: number): number {
  const naive = Date.UTC(y, m - 1, d, h, mi, s);
  if (zone.kind === 'offset') return naive - Math.round(zone.hours * 3600) * 1000;
  if (zone.kind === 'local') return new Date(y, m - 1, d, h, mi, s).getTime();
  // Two passes converge for every real zone (offset changes are rare and far apart).
  let guess = naive - offsetInZone(naive, zone.name) * 1000;
  guess = naive - offsetInZone(guess, zone.name) * 1000;
  return guess;
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];

const pad = (n: number, width = 2, fill = '0'): string => String(n).padStart(width, fill);

/** ISO 8601 week-based year and week number. */
function isoWeek(tm: BrokenDownTime): { year: number; week: number } {
  const wdayMon = (tm.wday + 6) % 7; // Monday = 0
  const thursday = Date.UTC(tm.year, tm.mon - 1, tm.mday - wdayMon + 3);
  const tYear = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(tYear, 0, 1)) / (7 * 86_400_000));
  return { year: tYear, week };
}

/** C strftime over a broken-down time. Unknown conversions are copied as written. */
export function strftime(format: string, tm: BrokenDownTime): string {
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '%' || i + 1 >= format.length) {
      out += c;
      continue;
    }
    let k = format[++i]!;
    if ((k === 'E' || k === 'O') && i + 1 < format.length) k = format[++i]!;
    out += conversion(k, tm) ?? `%${k}`;
  }
  return out;
}

function conversion(k: string, tm: BrokenDownTime): string | undefined {
  const hour12 = tm.hour % 12 === 0 ? 12 : tm.hour % 12;
  switch (k) {
    case 'a': return DAYS[tm.wday]!.slice(0, 3);
    case 'A': return DAYS[tm.wday]!;
    case 'b':
    case 'h': return MONTHS[tm.mon - 1]!.slice(0, 3);
    case 'B': return MONTHS[tm.mon - 1]!;
    case 'c': return strftime('%a %b %e %H:%M:%S %Y', tm);
    case 'C': return pad(Math.floor(tm.year / 100));
    case 'd': return pad(tm.mday);
    case 'D': return strftime('%m/%d/%y', tm);
    case 'e': return pad(tm.mday, 2, ' ');
    case 'F': return strftime('%Y-%m-%d', tm);
    case 'g': return pad(isoWeek(tm).year % 100);
    case 'G': return String(isoWeek(tm).year);
    case 'H': return pad(tm.hour);
    case 'I': return pad(hour12);
    case 'j': return pad(tm.yday + 1, 3);
    case 'k': return pad(tm.hour, 2, ' ');
    case 'l': return pad(hour12, 2, ' ');
    case 'm': return pad(tm.mon);
    case 'M': return pad(tm.min);
    case 'n': return '\n';
    case 'p': return tm.hour < 12 ? 'AM' : 'PM';
    case 'P': return tm.hour < 12 ? 'am' : 'pm';
    case 'r': return strftime('%I:%M:%S %p', tm);
    case 'R': return strftime('%H:%M', tm);
    case 's': return String(Math.floor(tm.epochMs / 1000));
    case 'S': return pad(tm.sec);
    case 't': return '\t';
    case 'T': return strftime('%H:%M:%S', tm);
    case 'u': return String(tm.wday === 0 ? 7 : tm.wday);
    case 'U': return pad(Math.floor((tm.yday + 7 - tm.wday) / 7));
    case 'V': return pad(isoWeek(tm).week);
    case 'w': return String(tm.wday);
    case 'W': return pad(Math.floor((tm.yday + 7 - ((tm.wday + 6) % 7)) / 7));
    case 'x': return strftime('%m/%d/%y', tm);
    case 'X': return strftime('%H:%M:%S', tm);
    case 'y': return pad(tm.year % 100);
    case 'Y': return String(tm.year);
    case 'z': {
      const sign = tm.gmtoffSec < 0 ? '-' : '+';
      const abs = Math.abs(tm.gmtoffSec);
      return `${sign}${pad(Math.floor(abs / 3600))}${pad(Math.floor((abs % 3600) / 60))}`;
    }
    case 'Z': return tm.zoneAbbrev;
    case '%': return '%';
    default: return undefined;
  }
}
