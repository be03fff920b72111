// FreeSWITCH's eight log levels (0 CONSOLE … 7 DEBUG), how to read them from text (`log 7`,
// `console loglevel DEBUG`), and how they map onto pino's levels. Only the mapping lives here;
// the log tap and the root logger use it. Spec §6.9 "Log levels".

import type { LevelWithSilent } from 'pino';

export const FS_LOG_LEVEL_NAMES = ['CONSOLE', 'ALERT', 'CRIT', 'ERR', 'WARNING', 'NOTICE', 'INFO', 'DEBUG'] as const;

/** 0 CONSOLE, 1 ALERT, 2 CRIT, 3 ERR, 4 WARNING, 5 NOTICE, 6 INFO, 7 DEBUG. */
export type FsLogLevel = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

export const FS_LOG_CONSOLE: FsLogLevel = 0;
export const FS_LOG_DEBUG: FsLogLevel = 7;

const ALIASES: Record<string, FsLogLevel> = { ERROR: 3, WARN: 4 };

/**
 * A level from `0`–`7` or a name (case-insensitive, `ERROR`/`WARN` accepted as aliases);
 * undefined for anything else.
 */
export function parseFsLogLevel(text: string): FsLogLevel | undefined {
  const t = text.trim();
  if (/^[0-7]$/.test(t)) return Number(t) as FsLogLevel;
  const upper = t.toUpperCase();
  const idx = (FS_LOG_LEVEL_NAMES as readonly string[]).indexOf(upper);
  if (idx >= 0) return idx as FsLogLevel;
  return ALIASES[upper];
}

export function fsLogLevelName(level: number): string {
  return FS_LOG_LEVEL_NAMES[level] ?? 'DEBUG';
}

/**
 * The FS level a pino record is shown at: trace/debug → 7 DEBUG, info → 6 INFO, warn → 4 WARNING,
 * error → 3 ERR, fatal → 2 CRIT.
 */
export function pinoToFsLevel(pinoLevel: number): FsLogLevel {
  if (pinoLevel >= 60) return 2;
  if (pinoLevel >= 50) return 3;
  if (pinoLevel >= 40) return 4;
  if (pinoLevel >= 30) return 6;
  return 7;
}

/**
 * The pino threshold that emits exactly the records an FS level shows. FS 7 maps to `debug`
 * (pino `trace` only when the root logger was started at trace); FS 5 NOTICE shows warnings
 * and worse because nothing of ours logs at NOTICE; 0–1 show no pino record at all (only raw
 * CONSOLE entries such as the SIP trace).
 */
export function fsToPinoLevel(level: FsLogLevel): LevelWithSilent {
  switch (level) {
    case 7:
      return 'debug';
    case 6:
      return 'info';
    case 5:
    case 4:
      return 'warn';
    case 3:
      return 'error';
    case 2:
      return 'fatal';
    default:
      return 'silent';
  }
}
