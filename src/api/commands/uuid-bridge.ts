// `uuid_bridge <uuid> <other_uuid> [<fallback_uuid>]` (spec §6.9): bridge two existing
// channels, each taken off whatever it runs (b2bua/takeover.ts). Replies `+OK <uuid bridged
// to>` or `-ERR Invalid uuid`.

import { uuidBridge, type CallCore, type UuidBridgeHold } from '../../b2bua/index.js';
import { splitArgs } from '../../dialplan/index.js';
import type { ApiCommand } from '../registry.js';

export function uuidBridgeCommand(core: CallCore, hold: UuidBridgeHold, opts: { timeoutMs?: number } = {}): ApiCommand {
  const usage = '<uuid> <other_uuid>';
  const timeoutMs = opts.timeoutMs ?? 2000;
  return {
    description: 'Bridge call legs',
    usage,
    async handler(args) {
      const argv = splitArgs(args, 4);
      if (argv.length < 2) return `-USAGE: ${usage}\n`;
      const a = core.channel(argv[0]!);
      for (const other of argv.slice(1, 3)) {
        if (await uuidBridge(core, hold, a, core.channel(other), timeoutMs)) return `+OK ${other}\n`;
      }
      return '-ERR Invalid uuid\n';
    },
  };
}
