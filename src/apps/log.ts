// `log [<level>] <text>` and `info [<level>]` (spec §4.2): write to the channel's log at one of
// FreeSWITCH's eight levels. `info` writes the channel data block FreeSWITCH writes
// (`CHANNEL_DATA:` then one `Name: [value]` line per header, the variables as `variable_*`).
// Both are routing-safe.

import type { Application, Channel } from '../b2bua/index.js';
import { channelDataHeaders } from '../b2bua/index.js';
import { parseFsLogLevel, type FsLogLevel } from '../common/index.js';
import { syncApp } from './basic.js';

type PinoMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug';

/**
 * The pino method a FreeSWITCH level is written with, so that the console shows it at that
 * level again (common/log-levels.ts): CONSOLE, ALERT and CRIT → fatal (shown as CRIT), ERR →
 * error, WARNING → warn, NOTICE and INFO → info, DEBUG → debug.
 */
function pinoMethod(level: FsLogLevel): PinoMethod {
  if (level <= 2) return 'fatal';
  if (level === 3) return 'error';
  if (level === 4) return 'warn';
  if (level <= 6) return 'info';
  return 'debug';
}

const LEVEL_NAMES = ['CONSOLE', 'ALERT', 'CRIT', 'ERR', 'WARNING', 'NOTICE', 'INFO', 'DEBUG'];

/** Write `text` to the channel's log at an FS level, with the level's name as a field. */
export function logAt(ch: Channel, level: FsLogLevel, text: string, mod = 'log'): void {
  ch.log[pinoMethod(level)]({ mod, fsLevel: LEVEL_NAMES[level] }, text);
}

/** The `info` block: `CHANNEL_DATA:` then `Name: [value]` per header. */
export function channelDataText(ch: Channel): string {
  const lines = ['CHANNEL_DATA:'];
  for (const [name, value] of channelDataHeaders(ch, 'CHANNEL_DATA')) lines.push(`${name}: [${value}]`);
  return lines.join('\n');
}

export const logApplications: readonly Application[] = [
  // FS: the first word is the level; when it is not one, the level is DEBUG and that word is
  // dropped anyway. A single word is logged whole at DEBUG.
  syncApp('log', (ch, data) => {
    const m = /^\s*(\S+)\s+([\s\S]*)$/.exec(data);
    if (!m) {
      logAt(ch, 7, data.trim());
      return;
    }
    logAt(ch, parseFsLogLevel(m[1]!) ?? 7, m[2]!);
  }, true),
  syncApp('info', (ch, data) => {
    const level = data.trim() ? parseFsLogLevel(data) : undefined;
    logAt(ch, level ?? 6, channelDataText(ch), 'info');
  }, true),
];
