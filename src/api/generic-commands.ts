// Registers the switch-wide commands that need no channel: help, version, status, uptime,
// hostname, switchname, create_uuid, global_getvar/global_setvar, console, fsctl, reloadxml,
// eval, strftime. Each lives in its own file under commands/; this file only wires them to
// the dependencies the lead passes in (bus, status numbers, globals, log level, config reload).

import type { EventBus, FsLogLevelControl } from '../common/index.js';
import type { ApiRegistry } from './registry.js';
import type { SwitchStatusProvider } from './status-provider.js';
import type { ProductInfo } from './product.js';
import { helpCommand } from './commands/help.js';
import { versionCommand } from './commands/version.js';
import { statusCommand } from './commands/status.js';
import { uptimeCommand } from './commands/uptime.js';
import { createUuidCommand, hostnameCommand, switchnameCommand } from './commands/identity.js';
import { globalGetvarCommand, globalSetvarCommand, type GlobalVariableStore } from './commands/global-vars.js';
import { consoleCommand, fsctlCommand, type FsctlHandler } from './commands/loglevel.js';
import { reloadxmlCommand, type ReloadResult } from './commands/reloadxml.js';
import { evalCommand } from './commands/eval.js';
import { strftimeCommand } from './commands/strftime.js';

export interface GenericCommandDeps {
  bus: EventBus;
  status: SwitchStatusProvider;
  globals: GlobalVariableStore;
  /** Read and set the switch's console log level (see fsLogLevelControl in common). */
  logLevel: FsLogLevelControl;
  /** Re-read the configuration; without it `reloadxml` answers an error. */
  reload?: () => Promise<ReloadResult>;
  /** Extra `fsctl` sub-commands. */
  fsctl?: Readonly<Record<string, FsctlHandler>>;
  product?: ProductInfo;
}

export function registerGenericCommands(registry: ApiRegistry, deps: GenericCommandDeps): void {
  registry.register('help', helpCommand());
  registry.register('version', versionCommand(deps.product));
  registry.register('status', statusCommand(deps.status, deps.product));
  registry.register('uptime', uptimeCommand(deps.status));
  registry.register('hostname', hostnameCommand(deps.bus));
  registry.register('switchname', switchnameCommand(deps.bus));
  registry.register('create_uuid', createUuidCommand());
  registry.register('global_getvar', globalGetvarCommand(deps.globals));
  registry.register('global_setvar', globalSetvarCommand(deps.globals));
  registry.register('console', consoleCommand(deps.logLevel));
  registry.register('fsctl', fsctlCommand(deps.logLevel, deps.fsctl));
  registry.register('reloadxml', reloadxmlCommand(deps.bus, deps.reload));
  registry.register('eval', evalCommand(deps.globals));
  registry.register('strftime', strftimeCommand());
}
