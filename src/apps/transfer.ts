// `transfer [-bleg|-both] <ext> [<dialplan> [<context>]]` and `execute_extension <ext>
// [<dialplan> <context>]` (spec §4.2, §3.5). transfer asks the core to route the channel (or
// its bridged partner, or both) again; `inline` as the dialplan makes `<ext>` an
// `app:arg,app:arg` list. execute_extension hunts an extension with the channel's profile
// pointed at it, runs the actions it finds in place, restores the profile and goes on.

import type { AppContext, Application, Channel } from '../b2bua/index.js';
import { splitArgs } from '../dialplan/index.js';
import { syncApp } from './basic.js';

/** FS SWITCH_MAX_STACKS: execute_extension nested deeper than this is refused. */
export const MAX_EXTENSION_STACK = 16;

const stackDepth = new WeakMap<Channel, number>();

/**
 * Transfer one channel. Without an explicit dialplan/context the channel's
 * `force_transfer_dialplan` / `force_transfer_context` win over its current ones (the core
 * keeps the current ones, and turns `inline` into XML).
 */
function transferOne(target: Channel, dest: string, dialplan: string | undefined, context: string | undefined, ctx: AppContext): void {
  const dp = dialplan || target.getVariable('force_transfer_dialplan') || undefined;
  const cx = context || target.getVariable('force_transfer_context') || undefined;
  ctx.core.transfer(target, dest, dp, cx);
}

export const transferApp: Application = syncApp('transfer', (ch, data, ctx) => {
  const args = splitArgs(data, 4);
  const flag = args[0]?.toLowerCase();
  const bleg = flag === '-bleg';
  const both = flag === '-both';
  if (bleg || both) args.shift();
  const [dest = '', dialplan, context] = args;
  if (bleg || both) {
    const partner = ch.partner;
    if (partner && !partner.hungUp) transferOne(partner, dest, dialplan, context, ctx);
    else ch.log.warn({}, `${ch.name} has no bridged leg to transfer`);
  }
  if (both || !bleg) transferOne(ch, dest, dialplan, context, ctx);
});

export const executeExtensionApp: Application = {
  name: 'execute_extension',
  async run(ch, data, ctx) {
    const [ext, dialplan, context] = splitArgs(data, 3);
    if (!ext) return '-ERR usage: execute_extension <extension> [<dialplan> <context>]';
    const depth = stackDepth.get(ch) ?? 0;
    if (depth >= MAX_EXTENSION_STACK) {
      ch.log.error({}, `Error ${ch.name} too many stacked extensions`);
      return '-ERR too many stacked extensions';
    }
    const p = ch.profile;
    const saved = { destinationNumber: p.destinationNumber, dialplan: p.dialplan, context: p.context, profileIndex: p.profileIndex };
    // The profile the hunt (and the apps it finds) sees: ${destination_number} is the extension.
    // A channel that runs an inline list hunts XML, as transfer does.
    const dpName = dialplan || (p.dialplan.toLowerCase() === 'inline' ? 'XML' : p.dialplan) || 'XML';
    p.destinationNumber = ext;
    p.dialplan = dpName;
    if (context) p.context = context;
    stackDepth.set(ch, depth + 1);
    try {
      const dp = ctx.core.dialplan(dpName);
      if (!dp) {
        ch.log.error({ dialplan: dpName }, `no such dialplan ${dpName}`);
        return '-ERR no such dialplan';
      }
      const actions = dp.route(ch, ctx.core);
      if (actions.length === 0) {
        ch.log.info({ extension: ext, context: p.context }, `execute_extension: nothing matches ${ext} in context ${p.context}`);
        return '-ERR no such extension';
      }
      for (const action of actions) {
        if (ch.hungUp || ctx.signal.aborted) break;
        ch.log.debug({ app: action.app, data: action.data }, `Execute ${action.app}(${action.data})`);
        await ctx.core.execute(ch, action.app, action.data);
      }
    } finally {
      if (depth === 0) stackDepth.delete(ch);
      else stackDepth.set(ch, depth);
      // A transfer applied meanwhile (profile index moved on) owns the profile now.
      if (p.profileIndex === saved.profileIndex) {
        p.destinationNumber = saved.destinationNumber;
        p.dialplan = saved.dialplan;
        p.context = saved.context;
      }
    }
  },
};

export const transferApplications: readonly Application[] = [transferApp, executeExtensionApp];
