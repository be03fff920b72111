// `help`: every registered command as FreeSWITCH's `show api` table:
// `name,description,syntax,ikey` rows, a blank line and `<N> total.`.

import type { ApiCommand } from '../registry.js';

export function helpCommand(): ApiCommand {
  return {
    description: 'Show help for all the api commands',
    handler(_args, ctx) {
      const list = ctx.registry?.list() ?? [];
      let out = 'name,description,syntax,ikey\n';
      for (const c of list) out += `${c.name},${c.description},${c.usage},${c.module}\n`;
      out += `\n${list.length} total.\n`;
      return out;
    },
  };
}
