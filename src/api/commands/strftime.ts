// `strftime [<epoch>|][<format>]`: format a time (now by default) with C strftime codes in local
// time; the default format is `%Y-%m-%d %T`.

import type { ApiCommand } from '../registry.js';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const p2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const s2 = (n: number) => (n < 10 ? ` ${n}` : String(n));

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1);
  return Math.floor((d.getTime() - start.getTime() + (start.getTimezoneOffset() - d.getTimezoneOffset()) * 60_000) / 86_400_000) + 1;
}

function tzOffset(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return `${sign}${p2(Math.floor(a / 60))}${p2(a % 60)}`;
}

function tzName(d: Date): string {
  const m = /\(([^)]+)\)/.exec(d.toString());
  if (!m) return tzOffset(d);
  const name = m[1] as string;
  // Long names ("Central European Standard Time") shorten to their initials, as C prints them.
  return /\s/.test(name) ? name.split(/\s+/).map((w) => w[0]).join('') : name;
}

/** C-style strftime over local time; unknown `%x` codes are kept as written. */
export function strftime(format: string, d: Date): string {
  return format.replace(/%(.)/g, (m, c: string) => {
    const h12 = d.getHours() % 12 === 0 ? 12 : d.getHours() % 12;
    switch (c) {
      case 'a': return (DAYS[d.getDay()] as string).slice(0, 3);
      case 'A': return DAYS[d.getDay()] as string;
      case 'b': case 'h': return (MONTHS[d.getMonth()] as string).slice(0, 3);
      case 'B': return MONTHS[d.getMonth()] as string;
      case 'c': return `${strftime('%a %b %e %H:%M:%S %Y', d)}`;
      case 'C': return p2(Math.floor(d.getFullYear() / 100));
      case 'd': return p2(d.getDate());
      case 'D': return strftime('%m/%d/%y', d);
      case 'e': return s2(d.getDate());
      case 'F': return strftime('%Y-%m-%d', d);
      case 'H': return p2(d.getHours());
      case 'I': return p2(h12);
      case 'j': return String(dayOfYear(d)).padStart(3, '0');
      case 'k': return s2(d.getHours());
      case 'l': return s2(h12);
      case 'm': return p2(d.getMonth() + 1);
      case 'M': return p2(d.getMinutes());
      case 'n': return '\n';
      case 'p': return d.getHours() < 12 ? 'AM' : 'PM';
      case 'R': return strftime('%H:%M', d);
      case 's': return String(Math.floor(d.getTime() / 1000));
      case 'S': return p2(d.getSeconds());
      case 't': return '\t';
      case 'T': return strftime('%H:%M:%S', d);
      case 'u': return String(d.getDay() === 0 ? 7 : d.getDay());
      case 'w': return String(d.getDay());
      case 'y': return p2(d.getFullYear() % 100);
      case 'Y': return String(d.getFullYear());
      case 'z': return tzOffset(d);
      case 'Z': return tzName(d);
      case '%': return '%';
      default: return m;
    }
  });
}

export function strftimeCommand(now: () => number = Date.now): ApiCommand {
  return {
    description: 'strftime',
    usage: '[<epoch>|][format string]',
    handler(args) {
      let format = args;
      let ms = now();
      const bar = args.indexOf('|');
      if (bar >= 0 && /^\s*\d+\s*$/.test(args.slice(0, bar))) {
        ms = Number(args.slice(0, bar).trim()) * 1000;
        format = args.slice(bar + 1);
      }
      if (format.trim() === '') format = '%Y-%m-%d %T';
      return strftime(format, new Date(ms));
    },
  };
}
