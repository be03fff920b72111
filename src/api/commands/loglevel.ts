// `console loglevel <0-7|NAME>` and `fsctl loglevel [<level>]`: change or show the level the
// switch logs at, through the hook the lead wires to the root logger (spec §6.9).

import { fsLogLevelName, parseFsLogLevel, type FsLogLevelControl } from '../../common/index.js';
import type { ApiCommand, ApiContext } from '../registry.js';

const CONSOLE_SYNTAX = 'loglevel [level]';

export function consoleCommand(logLevel: FsLogLevelControl): ApiCommand {
  return {
    description: 'Console',
    usage: CONSOLE_SYNTAX,
    handler(args) {
      const [sub = '', value] = args.split(/\s+/).filter((w) => w !== '');
      if (sub.toLowerCase() !== 'loglevel') return `-USAGE: ${CONSOLE_SYNTAX}\n`;
      if (value === undefined) return `+OK console log level set to ${fsLogLevelName(logLevel.get())}\n`;
      const level = parseFsLogLevel(value);
      if (level === undefined) return `-ERR Invalid console loglevel (${value})!\n`;
      logLevel.set(level);
      return `+OK console log level set to ${fsLogLevelName(level)}\n`;
    },
  };
}

export type FsctlHandler = (args: string, ctx: ApiContext) => string | Promise<string>;

/**
 * `fsctl`: only `loglevel` for now; more sub-commands (`max_sessions`, `sps`, `shutdown` …)
 * come in through `extra` as the core grows them.
 */
export function fsctlCommand(logLevel: FsLogLevelControl, extra: Readonly<Record<string, FsctlHandler>> = {}): ApiCommand {
  const subs: Record<string, FsctlHandler> = {
    loglevel(args) {
      const value = args.trim();
      if (value !== '') {
        const level = parseFsLogLevel(value);
        if (level === undefined) return '-ERR syntax error, log level not set!\n';
        logLevel.set(level);
      }
      const cur = logLevel.get();
      return `+OK log level: ${fsLogLevelName(cur)} [${cur}]\n`;
    },
    ...extra,
  };
  const syntax = `[${Object.keys(subs).sort().join('|')}] [<args>]`;
  return {
    description: 'FS control messages',
    usage: syntax,
    handler(args, ctx) {
      const trimmed = args.trim();
      const sp = trimmed.search(/\s/);
      const sub = (sp < 0 ? trimmed : trimmed.slice(0, sp)).toLowerCase();
      const rest = sp < 0 ? '' : trimmed.slice(sp + 1);
      const handler = Object.prototype.hasOwnProperty.call(subs, sub) ? subs[sub] : undefined;
      if (!handler) return `-ERR INVALID COMMAND\nUSAGE: fsctl ${syntax}\n`;
      return handler(rest, ctx);
    },
  };
}
