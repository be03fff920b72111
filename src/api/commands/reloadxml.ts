// `reloadxml`: re-read the configuration through the loader the lead injects, answer
// `+OK [Success]` or `-ERR <file>:<line>:<col> <message>`, and fire RELOADXML on success
// (spec §1.4, §6.9, §7.6).

import type { EventBus } from '../../common/index.js';
import type { ApiCommand } from '../registry.js';

export type ReloadResult = { ok: true } | { ok: false; error: { message: string } };

export function reloadxmlCommand(bus: EventBus, reload: (() => Promise<ReloadResult>) | undefined): ApiCommand {
  return {
    description: 'Reload XML',
    handler: async () => {
      if (!reload) return '-ERR no configuration loader\n';
      let result: ReloadResult;
      try {
        result = await reload();
      } catch (err) {
        result = { ok: false, error: { message: err instanceof Error ? err.message : String(err) } };
      }
      if (!result.ok) return `-ERR ${result.error.message.replace(/\r?\n/g, ' ')}\n`;
      bus.publish('RELOADXML', [], { origin: { file: 'api/commands/reloadxml.ts', func: 'reloadxml' } });
      return '+OK [Success]\n';
    },
  };
}
