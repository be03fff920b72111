// `originate <dial string> <exten>|&<app>(<args>) [<dialplan>] [<context>] [<cid_name>]
// [<cid_num>] [<timeout_sec>]` (spec §6.9, FS mod_commands originate_function): dial a new leg
// with no caller; once it answers, either run one application on it (`&park()`,
// `&bridge(user/1001)`; the leg hangs up when the application returns, as a one-action
// extension does) or send it through the dialplan to <exten> like a transfer (`1001 XML
// default`, or the inline form `'bridge:user/1002' inline`). `undef` skips an argument.
// Replies `+OK <uuid>` once the leg answered, `-ERR <CAUSE>` when it did not.

import type { CallCore, Channel } from '../../b2bua/index.js';
import type { ConfigTree } from '../../config/index.js';
import { atoi, splitArgs } from '../../dialplan/index.js';
import { resolveDialString } from '../../apps/index.js';
import type { ApiCommand } from '../registry.js';

export const ORIGINATE_SYNTAX = '<call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]';

export interface OriginateDeps {
  core: CallCore;
  config: () => ConfigTree;
}

/** `&app(args)` → app and args (the args end at the last `)`; FS cuts at the first). */
export function parseAppTarget(exten: string): { app: string; args: string } | undefined {
  if (!exten.startsWith('&') || exten.length < 2) return undefined;
  const body = exten.slice(1);
  const open = body.indexOf('(');
  if (open < 0) return { app: body, args: '' };
  const close = body.lastIndexOf(')');
  return { app: body.slice(0, open), args: close > open ? body.slice(open + 1, close) : body.slice(open + 1) };
}

/**
 * Run one application on an answered leg as FS runs a one-action caller extension: the leg is
 * in EXECUTE, and hangs up (NORMAL_CLEARING) when the application returns, unless the
 * application transferred it somewhere else.
 */
async function runApp(core: CallCore, leg: Channel, app: string, args: string): Promise<void> {
  leg.setState('CS_EXECUTE');
  const transferredAt = leg.times.transfer;
  try {
    await core.execute(leg, app, args);
  } catch (err) {
    leg.log.error({ err, app }, 'originate application failed');
  }
  if (!leg.hungUp && leg.times.transfer === transferredAt) leg.hangup('NORMAL_CLEARING');
}

export function originateCommand(deps: OriginateDeps): ApiCommand {
  return {
    description: 'Originate a Call',
    usage: ORIGINATE_SYNTAX,
    async handler(args) {
      const usage = `-USAGE: ${ORIGINATE_SYNTAX}\n`;
      if (args.trim() === '') return usage;
      const argv = splitArgs(args, 10).map((a) => (a.toLowerCase() === 'undef' ? undefined : a));
      if (argv.length < 2 || argv.length > 7) return usage;
      const [dial, exten, dpArg, ctxArg, cidName, cidNum, timeoutArg] = argv;
      if (!dial || !exten) return usage;
      const dialplan = dpArg || 'XML';
      const context = ctxArg || 'default';
      const timeoutSec = timeoutArg ? atoi(timeoutArg) : 60;
      const { core } = deps;
      const plan = resolveDialString(dial, { core, config: deps.config, channel: undefined });
      if ('error' in plan) return `-ERR ${plan.cause}\n`;
      // The caller id arguments apply unless the dial string sets its own.
      if (cidName && plan.variables.origination_caller_id_name === undefined) plan.variables.origination_caller_id_name = cidName;
      if (cidNum && plan.variables.origination_caller_id_number === undefined) plan.variables.origination_caller_id_number = cidNum;
      // originate_timeout in the dial string wins over the argument, as in FS.
      const fromPlan = atoi(plan.variables.originate_timeout ?? '');
      const result = await core.originate(plan, { timeoutSec: fromPlan > 0 ? fromPlan : timeoutSec > 0 ? timeoutSec : 60 });
      if (!result.ok) return `-ERR ${result.cause}\n`;
      const leg = result.channel;
      const app = parseAppTarget(exten);
      if (app) void runApp(core, leg, app.app, app.args);
      else core.transfer(leg, exten, dialplan, context);
      return `+OK ${leg.uuid}\n`;
    },
  };
}
