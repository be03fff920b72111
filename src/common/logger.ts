// The root pino logger and the Logger type every module takes. One root, one child per module
// (`{ mod: 'sip.tsx' }`), one child per call (`{ uuid, callId }`). Nothing below api/ prints
// to a terminal: everything goes through here.

import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';

export type Logger = PinoLogger;
export type LogLevel = LevelWithSilent;

export interface RootLoggerOptions {
  level?: LogLevel;
  /** Human-readable output through pino-pretty instead of JSON lines. */
  pretty?: boolean;
  /** Where JSON lines go (default stdout). Ignored when pretty. */
  destination?: NodeJS.WritableStream;
}

export function createRootLogger(opts: RootLoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  if (opts.pretty) {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return opts.destination ? pino({ level }, opts.destination) : pino({ level });
}

/** A logger that drops everything: the default for library users who pass none. */
export const silentLogger: Logger = pino({ level: 'silent' });
