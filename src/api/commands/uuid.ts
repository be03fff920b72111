// The uuid_* commands that act on one channel (spec §6.9, replies as FS mod_commands writes
// them): uuid_kill, uuid_transfer, uuid_getvar, uuid_setvar, uuid_exists, uuid_dump, and
// hupall for many. Arguments are split as FS splits them (spaces, single quotes group).

import { causeFromCode, channelDataHeaders, isHangupCause, type CallCore, type Channel, type HangupCause } from '../../b2bua/index.js';
import type { SwitchEvent } from '../../common/index.js';
import { callerProfileOf, splitArgs, type CallerProfileField } from '../../dialplan/index.js';
import type { ApiCommand } from '../registry.js';

/** FS mod_commands' answer for an unknown uuid (capitalised as FS writes it). */
export const NO_SUCH_CHANNEL = '-ERR No Such Channel!\n';

export type EventDumpFormat = 'plain' | 'json' | 'xml';

/** Serialises an event as the event socket does (plain / json / xml). */
export type EventSerializer = (event: Pick<SwitchEvent, 'headers' | 'body'>, format: EventDumpFormat) => string;

/** A cause by name or Q.850 number; `fallback` for anything else (FS str2cause → NONE). */
export function causeOr(text: string | undefined, fallback: HangupCause): HangupCause {
  const t = text?.trim();
  if (!t) return fallback;
  if (/^\d+$/.test(t)) return causeFromCode(Number(t)) ?? fallback;
  const upper = t.toUpperCase();
  return isHangupCause(upper) ? upper : fallback;
}

/** A channel variable as FS's uuid_getvar reads it: variables, then the caller profile, then globals. */
export function lookupVariable(core: CallCore, ch: Channel, name: string): string | undefined {
  return ch.getVariable(name) ?? callerProfileOf(ch)[name as CallerProfileField] ?? core.global(name);
}

export function uuidKillCommand(core: CallCore): ApiCommand {
  const usage = '<uuid> [cause]';
  return {
    description: 'Kill channel',
    usage,
    handler(args) {
      const [uuid, cause] = splitArgs(args, 2);
      if (!uuid) return `-USAGE: ${usage}\n`;
      const ch = core.channel(uuid);
      if (!ch) return NO_SUCH_CHANNEL;
      ch.hangup(causeOr(cause, 'NORMAL_CLEARING'));
      return '+OK\n';
    },
  };
}

/**
 * `uuid_hold [off|toggle] <uuid>`: hold a call from the switch (default media): the other
 * party hears music on hold and the phone is re-INVITEd sendonly; `off` resumes.
 */
export function uuidHoldCommand(core: CallCore): ApiCommand {
  const usage = '[off|toggle] <uuid>';
  return {
    description: 'Place call on hold',
    usage,
    async handler(args) {
      const argv = splitArgs(args, 3);
      const mode = argv[0] === 'off' || argv[0] === 'toggle' ? argv.shift()! : 'on';
      const uuid = argv[0];
      if (!uuid) return `-USAGE: ${usage}\n`;
      const ch = core.channel(uuid);
      if (!ch) return NO_SUCH_CHANNEL;
      const done = await core.media?.hold(ch, mode as 'on' | 'off' | 'toggle');
      return done === undefined ? '-ERR Operation failed\n' : '+OK Success\n';
    },
  };
}

export function uuidTransferCommand(core: CallCore): ApiCommand {
  const usage = '<uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]';
  return {
    description: 'Transfer a session',
    usage,
    handler(args) {
      const argv = splitArgs(args, 5);
      if (argv.length < 2 || argv.length > 5) return `-USAGE: ${usage}\n`;
      const ch = core.channel(argv[0]!);
      if (!ch) return NO_SUCH_CHANNEL;
      let [, dest, dialplan, context] = argv;
      let flag: string | undefined;
      if (dest!.startsWith('-')) {
        flag = dest!.slice(1).toLowerCase();
        [, , dest, dialplan, context] = argv;
      }
      if (!dest) return `-USAGE: ${usage}\n`;
      let target = ch;
      // FS finds the other leg through bridge_to; with no other leg it transfers this one.
      const other = ch.partner ?? core.channel(ch.getVariable('bridge_to') ?? '');
      if (flag === 'bleg' && other && !other.hungUp) target = other;
      else if (flag === 'both' && other && !other.hungUp) core.transfer(other, dest, dialplan, context);
      return core.transfer(target, dest, dialplan, context) ? '+OK\n' : '-ERR\n';
    },
  };
}

export function uuidGetvarCommand(core: CallCore): ApiCommand {
  const usage = '<uuid> <var>';
  return {
    description: 'Get a variable from a channel',
    usage,
    handler(args) {
      const argv = splitArgs(args, 3);
      if (argv.length < 2) return `-USAGE: ${usage}\n`;
      const ch = core.channel(argv[0]!);
      if (!ch) return NO_SUCH_CHANNEL;
      const name = argv[1]!;
      if (name === '') return '-ERR No variable name specified!\n';
      return lookupVariable(core, ch, name) ?? '_undef_';
    },
  };
}

export function uuidSetvarCommand(core: CallCore): ApiCommand {
  const usage = '<uuid> <var> [value]';
  return {
    description: 'Set a variable',
    usage,
    handler(args) {
      const argv = splitArgs(args, 3);
      if (argv.length < 2 || argv.length > 3) return `-USAGE: ${usage}\n`;
      const ch = core.channel(argv[0]!);
      if (!ch) return NO_SUCH_CHANNEL;
      const name = argv[1]!;
      if (name === '') return '-ERR No variable specified\n';
      // No value (or an empty one) unsets the variable, as switch_channel_set_variable(…, NULL) does.
      ch.setVariable(name, argv[2]);
      return '+OK\n';
    },
  };
}

export function uuidExistsCommand(core: CallCore): ApiCommand {
  return {
    description: 'Check if a uuid exists',
    usage: '<uuid>',
    handler(args) {
      const uuid = args.trim();
      return uuid !== '' && core.channel(uuid) !== undefined ? 'true' : 'false';
    },
  };
}

export function uuidDumpCommand(core: CallCore, serialize: EventSerializer): ApiCommand {
  const usage = '<uuid> [format]';
  return {
    description: 'Dump session vars',
    usage,
    handler(args) {
      const [uuid, format] = splitArgs(args, 4);
      if (!uuid) return `-USAGE: ${usage}\n`;
      const ch = core.channel(uuid);
      if (!ch) return NO_SUCH_CHANNEL;
      // The channel data of a CHANNEL_DATA event with the common headers, not published.
      const event = core.bus.stamp('CHANNEL_DATA', channelDataHeaders(ch, 'CHANNEL_DATA'), { origin: { file: 'api/commands/uuid.ts', func: 'uuid_dump' } });
      const f = format?.toLowerCase();
      return serialize(event, f === 'json' ? 'json' : f === 'xml' ? 'xml' : 'plain');
    },
  };
}

export function hupallCommand(core: CallCore): ApiCommand {
  return {
    description: 'hupall',
    usage: '<cause> [<var> <value>]',
    async handler(args) {
      const argv = splitArgs(args, 3);
      const cause = causeOr(argv[0], 'MANAGER_REQUEST');
      const [, name, value] = argv;
      if (name && value !== undefined) {
        await core.hangupAll(cause, (ch) => ch.getVariable(name) === value);
        return `+OK hangup all channels matching [${name}]=[${value}] with cause: ${cause}\n`;
      }
      await core.hangupAll(cause, () => true);
      return `+OK hangup all channels with cause ${cause}\n`;
    },
  };
}
