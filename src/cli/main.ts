#!/usr/bin/env node
// The command line: `softswitch start` runs the switch in the foreground; `softswitch cli` is
// the console (fs_cli style). See docs/cli.md.

import { resolve } from 'node:path';
import { Command } from 'commander';
import { ConfigError } from '../common/index.js';
import { parseVarOverrides } from '../config/index.js';
import { productInfo } from '../api/index.js';
import { registerCliCommand } from './console.js';
import { Switch } from './switch.js';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const program = new Command();
program.name('softswitch').description('A SIP back-to-back user agent: a PBX for offices and call centres').version(productInfo().version);

program
  .command('start')
  .description('start the switch in the foreground (stop with Ctrl-C or SIGTERM)')
  .option('--conf <dir>', 'configuration directory', 'conf')
  .option('--data <dir>', 'data directory (registrations, CDRs, recordings, logs)', 'data')
  .option('--var <name=value>', 'override a vars.xml global (repeatable)', collect, [] as string[])
  .option('--log-level <level>', `log level: ${LEVELS.join(', ')}`, 'info')
  .option('--log-pretty', 'human-readable logs instead of JSON lines', false)
  .action(async (opts: { conf: string; data: string; var: string[]; logLevel: string; logPretty: boolean }) => {
    if (!(LEVELS as readonly string[]).includes(opts.logLevel)) {
      process.stderr.write(`softswitch: unknown log level "${opts.logLevel}" (use ${LEVELS.join(', ')})\n`);
      process.exitCode = 2;
      return;
    }
    let sw: Switch;
    try {
      sw = await Switch.start({
        confDir: resolve(opts.conf),
        dataDir: resolve(opts.data),
        overrides: parseVarOverrides(opts.var),
        logLevel: opts.logLevel as (typeof LEVELS)[number],
        logPretty: opts.logPretty,
      });
    } catch (err) {
      const message = err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err);
      process.stderr.write(`softswitch: cannot start: ${message}\n`);
      process.exitCode = 1;
      return;
    }
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        process.stderr.write(`softswitch: ${signal} again, exiting now\n`);
        process.exit(1);
      }
      sw.logger.info({ mod: 'core', signal }, 'shutdown requested');
      sw.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          sw.logger.error({ err }, 'error while stopping');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });

registerCliCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`softswitch: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
