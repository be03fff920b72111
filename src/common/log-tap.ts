// The log tap: turns log records into FreeSWITCH console lines for whoever listens (the event
// socket's `log <level>`, the console). Watching is not driving: with no subscriber the root
// logger never calls in here, so records are not parsed or formatted. Raw entries (the SIP trace)
// enter through publishRaw() already formatted, as FS logs its siptrace on the clean channel.
//
//   2024-05-01 12:00:01.123456 97.50% [INFO] sip.tsx final response status=200 branch=z9hG4bK1
//   └ local time, µs ─────────┘ └ idle ┘ └level┘ └ mod ┘ └ msg ────────┘ └ other fields ───────┘

import { FS_LOG_LEVEL_NAMES, pinoToFsLevel, type FsLogLevel } from './log-levels.js';
import { createIdleCpuSampler } from './idle-cpu.js';

/** Text-Channel values from FS: 0 = normal log line, 1 = clean (no prefix, e.g. siptrace). */
export const LOG_CHANNEL_LOG = 0;
export const LOG_CHANNEL_CLEAN = 1;

export interface LogTapEntry {
  readonly level: FsLogLevel;
  /** The formatted console text, ending in a newline. */
  readonly text: string;
  readonly channel: number;
  readonly file: string;
  readonly func: string;
  readonly line: number;
  /** The channel uuid the line is about, or ''. */
  readonly userData: string;
}

export type LogTapListener = (entry: LogTapEntry) => void;

export interface LogTapSubscription {
  /** The most verbose level this subscriber receives (entries with level ≤ it). */
  readonly level: FsLogLevel;
  setLevel(level: FsLogLevel): void;
  unsubscribe(): void;
}

export interface RawLogOptions {
  file?: string;
  func?: string;
  line?: number;
  userData?: string;
  /** Default LOG_CHANNEL_CLEAN: the text is printed as is. */
  channel?: number;
}

export interface LogTapOptions {
  /** Idle CPU in percent for the `NN.NN%` column (default: sampled from os.cpus()). */
  idleCpu?: () => number;
  /** Wall clock in microseconds since the epoch (default: performance clock). */
  nowMicros?: () => number;
}

interface Sub {
  level: FsLogLevel;
  listener: LogTapListener;
}

/** Record keys that are not shown as `key=value` extras. */
const RESERVED = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'mod', 'v']);

export class LogTap {
  #subs = new Set<Sub>();
  #maxLevel = -1;
  #demandListeners = new Set<(maxLevel: number) => void>();
  #delivering = false;
  #idleCpu: () => number;
  #nowMicros: () => number;

  constructor(opts: LogTapOptions = {}) {
    this.#idleCpu = opts.idleCpu ?? createIdleCpuSampler();
    this.#nowMicros = opts.nowMicros ?? (() => Math.floor((performance.timeOrigin + performance.now()) * 1000));
  }

  get hasSubscribers(): boolean {
    return this.#subs.size > 0;
  }

  /** The most verbose level any subscriber wants, or -1 with no subscriber. */
  get maxLevel(): number {
    return this.#maxLevel;
  }

  subscribe(level: FsLogLevel, listener: LogTapListener): LogTapSubscription {
    const sub: Sub = { level, listener };
    this.#subs.add(sub);
    this.#recompute();
    return {
      get level() {
        return sub.level;
      },
      setLevel: (l: FsLogLevel) => {
        sub.level = l;
        this.#recompute();
      },
      unsubscribe: () => {
        if (this.#subs.delete(sub)) this.#recompute();
      },
    };
  }

  /** Called with the new maxLevel whenever it changes (the root logger adjusts its level). */
  onDemandChange(cb: (maxLevel: number) => void): () => void {
    this.#demandListeners.add(cb);
    return () => this.#demandListeners.delete(cb);
  }

  /** Deliver a pre-formatted entry (default: clean channel, printed as is). */
  publishRaw(level: FsLogLevel, text: string, opts: RawLogOptions = {}): void {
    if (this.#subs.size === 0 || level > this.#maxLevel) return;
    this.#deliver({
      level,
      text: text.endsWith('\n') ? text : `${text}\n`,
      channel: opts.channel ?? LOG_CHANNEL_CLEAN,
      file: opts.file ?? '',
      func: opts.func ?? '',
      line: opts.line ?? 0,
      userData: opts.userData ?? '',
    });
  }

  /** One pino JSON line (as the root logger writes it). Bad JSON is dropped. */
  writePinoLine(line: string): void {
    if (this.#subs.size === 0) return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      return;
    }
    if (record && typeof record === 'object') this.publishRecord(record as Record<string, unknown>);
  }

  /** A pino record object: formatted as an FS console line and delivered. */
  publishRecord(record: Record<string, unknown>): void {
    if (this.#subs.size === 0) return;
    const level = pinoToFsLevel(typeof record.level === 'number' ? record.level : 30);
    if (level > this.#maxLevel) return;
    const mod = typeof record.mod === 'string' ? record.mod : '';
    const uuid = typeof record.uuid === 'string' ? record.uuid : '';
    this.#deliver({
      level,
      text: formatConsoleLine(this.#nowMicros(), this.#idleCpu(), level, mod, record),
      channel: LOG_CHANNEL_LOG,
      file: mod,
      func: '',
      line: 0,
      userData: uuid,
    });
  }

  #deliver(entry: LogTapEntry): void {
    // A listener that logs would feed itself: drop re-entrant entries (they still reach stdout).
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      for (const sub of this.#subs) {
        if (entry.level > sub.level) continue;
        try {
          sub.listener(entry);
        } catch {
          // A subscriber's failure is its own; the others still get the line.
        }
      }
    } finally {
      this.#delivering = false;
    }
  }

  #recompute(): void {
    let max = -1;
    for (const s of this.#subs) if (s.level > max) max = s.level;
    if (max === this.#maxLevel) return;
    this.#maxLevel = max;
    for (const cb of this.#demandListeners) {
      try {
        cb(max);
      } catch {
        // ignore
      }
    }
  }
}

/** `YYYY-MM-DD HH:MM:SS.uuuuuu` in local time from microseconds since the epoch. */
export function formatMicroStamp(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const d = new Date(ms);
  const p2 = (n: number) => (n < 10 ? `0${n}` : String(n));
  const frac = String(((micros % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0');
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${frac}`;
}

/** One console line for a pino record: stamp, idle CPU, level, module, message, other fields. */
export function formatConsoleLine(
  micros: number,
  idleCpu: number,
  level: FsLogLevel,
  mod: string,
  record: Record<string, unknown>,
): string {
  let line = `${formatMicroStamp(micros)} ${idleCpu.toFixed(2)}% [${FS_LOG_LEVEL_NAMES[level]}]`;
  if (mod) line += ` ${mod}`;
  const msg = record.msg;
  if (typeof msg === 'string' && msg !== '') line += ` ${msg}`;
  for (const key of Object.keys(record)) {
    if (RESERVED.has(key)) continue;
    line += ` ${key}=${formatFieldValue(key, record[key])}`;
  }
  return `${line}\n`;
}

function formatFieldValue(key: string, value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (key === 'err' && value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
    return JSON.stringify((value as { message: string }).message);
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
