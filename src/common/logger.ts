// The root pino logger and the Logger type every module takes. One root, one child per module
// (`{ mod: 'sip.tsx' }`), one child per call (`{ uuid, callId }`). Nothing below api/ prints
// to a terminal: everything goes through here.
//
// The root writes JSON lines (or pino-pretty) to stdout at its output level, and also feeds a
// LogTap when one is given. The tap is fed only while someone subscribes, and the logger's own
// level drops below the output level only as far as a subscriber asks (`log 7` on the event
// socket turns debug records on; stdout still filters at its own level).

import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';
import type { LogTap } from './log-tap.js';
import { fsToPinoLevel, pinoToFsLevel, type FsLogLevel } from './log-levels.js';

export type Logger = PinoLogger;
export type LogLevel = LevelWithSilent;

export interface RootLoggerOptions {
  level?: LogLevel;
  /** Human-readable output through pino-pretty instead of JSON lines. */
  pretty?: boolean;
  /** Where JSON lines go (default stdout). Ignored when pretty. */
  destination?: NodeJS.WritableStream;
  /** Also feed every record to this tap (parsed only while the tap has subscribers). */
  tap?: LogTap;
}

interface Writable {
  write(chunk: string): unknown;
  flush?(cb?: (err?: Error) => void): void;
  flushSync?(): void;
  end?(): void;
}

function levelValue(level: LogLevel): number {
  return level === 'silent' ? Infinity : pino.levels.values[level] ?? 30;
}

function levelLabel(value: number): LogLevel {
  if (value === Infinity) return 'silent';
  return (pino.levels.labels[value] as LogLevel | undefined) ?? 'info';
}

/**
 * The root logger's destination: stdout (or pretty) filtered at the output level, plus the tap.
 * pino sets `lastLevel` on destinations that carry the metadata symbol, so filtering costs a
 * comparison and no parsing.
 */
const PINO_METADATA: unique symbol = Symbol.for('pino.metadata') as never;

class RootDestination {
  readonly [PINO_METADATA] = true;
  lastLevel = 0;
  outLevel: number;
  readonly #out: Writable;
  readonly #tap: LogTap | undefined;

  constructor(out: Writable, outLevel: number, tap: LogTap | undefined) {
    this.#out = out;
    this.outLevel = outLevel;
    this.#tap = tap;
  }

  write(line: string): void {
    if (this.lastLevel >= this.outLevel) this.#out.write(line);
    if (this.#tap !== undefined && this.#tap.hasSubscribers) this.#tap.writePinoLine(line);
  }

  flush(cb?: (err?: Error) => void): void {
    if (typeof this.#out.flush === 'function') this.#out.flush(cb);
    else cb?.();
  }

  flushSync(): void {
    this.#out.flushSync?.();
  }

  end(): void {
    this.#out.end?.();
  }
}

interface RootControl {
  dest: RootDestination;
  tap: LogTap | undefined;
  apply(): void;
}

const controls = new WeakMap<Logger, RootControl>();

export function createRootLogger(opts: RootLoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const out: Writable = opts.pretty
    ? (pino.transport({
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
      }) as Writable)
    : ((opts.destination as Writable | undefined) ?? (pino.destination(1) as unknown as Writable));
  const dest = new RootDestination(out, levelValue(level), opts.tap);
  const logger = pino({ level }, dest as unknown as pino.DestinationStream);
  const tap = opts.tap;
  const control: RootControl = {
    dest,
    tap,
    apply() {
      let wanted = dest.outLevel;
      if (tap && tap.maxLevel >= 0) {
        wanted = Math.min(wanted, levelValue(fsToPinoLevel(tap.maxLevel as FsLogLevel)));
      }
      const label = levelLabel(wanted);
      if (logger.level !== label) logger.level = label;
    },
  };
  controls.set(logger, control);
  tap?.onDemandChange(() => control.apply());
  control.apply();
  return logger;
}

/** Change what the root logger writes to stdout (children follow). */
export function setLogOutputLevel(root: Logger, level: LogLevel): void {
  const control = controls.get(root);
  if (!control) {
    root.level = level;
    return;
  }
  control.dest.outLevel = levelValue(level);
  control.apply();
}

export function getLogOutputLevel(root: Logger): LogLevel {
  const control = controls.get(root);
  return control ? levelLabel(control.dest.outLevel) : (root.level as LogLevel);
}

/** The root's output level in FreeSWITCH terms, for `console loglevel` and `fsctl loglevel`. */
export interface FsLogLevelControl {
  get(): FsLogLevel;
  set(level: FsLogLevel): void;
}

export function fsLogLevelControl(root: Logger): FsLogLevelControl {
  return {
    get() {
      const out = getLogOutputLevel(root);
      return out === 'silent' ? 0 : pinoToFsLevel(levelValue(out));
    },
    set(level: FsLogLevel) {
      setLogOutputLevel(root, fsToPinoLevel(level));
    },
  };
}

/** A logger that drops everything: the default for library users who pass none. */
export const silentLogger: Logger = pino({ level: 'silent' });
