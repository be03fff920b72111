// Registers the call-control commands (spec §6.3, §6.9): `show channels` and `show calls` in
// the show tables, originate, uuid_kill, uuid_transfer, uuid_hold, uuid_bridge, uuid_getvar,
// uuid_setvar, uuid_exists, uuid_dump and hupall. Each lives in its own file under commands/;
// this file wires them to the core, the configuration and the event serialiser the lead passes in.

import type { CallCore } from '../b2bua/index.js';
import type { ConfigTree } from '../config/index.js';
import type { ApiRegistry } from './registry.js';
import type { ShowTables } from './commands/show.js';
import { ChannelTables } from './commands/channels.js';
import { originateCommand } from './commands/originate.js';
import { uuidBridgeCommand } from './commands/uuid-bridge.js';
import {
  hupallCommand, uuidDumpCommand, uuidExistsCommand, uuidGetvarCommand, uuidHoldCommand, uuidKillCommand, uuidSetvarCommand, uuidTransferCommand,
  type EventSerializer,
} from './commands/uuid.js';

export interface CallCommandDeps {
  core: CallCore;
  config: () => ConfigTree;
  /** The `show` tables: `channels` and `calls` are added to them. */
  show: ShowTables;
  /** How uuid_dump writes the channel data (the event socket's serialisers). */
  serializeEvent: EventSerializer;
  /** How long uuid_bridge waits for a channel to leave what it runs (default 2000 ms). */
  uuidBridgeTimeoutMs?: number;
}

/** Register the commands; returns a function that stops the channel-creation watcher. */
export function registerCallCommands(registry: ApiRegistry, deps: CallCommandDeps): () => void {
  const { core } = deps;
  const tables = new ChannelTables(core);
  deps.show.add('channels', tables.channelsSource());
  deps.show.add('calls', tables.callsSource());
  registry.register('originate', originateCommand({ core, config: deps.config }));
  registry.register('uuid_kill', uuidKillCommand(core));
  registry.register('uuid_transfer', uuidTransferCommand(core));
  registry.register('uuid_hold', uuidHoldCommand(core));
  registry.register('uuid_bridge', uuidBridgeCommand(core, core.takeover, { timeoutMs: deps.uuidBridgeTimeoutMs }));
  registry.register('uuid_getvar', uuidGetvarCommand(core));
  registry.register('uuid_setvar', uuidSetvarCommand(core));
  registry.register('uuid_exists', uuidExistsCommand(core));
  registry.register('uuid_dump', uuidDumpCommand(core, deps.serializeEvent));
  registry.register('hupall', hupallCommand(core));
  return () => tables.close();
}

export { ChannelTables, CALL_COLUMNS, CHANNEL_COLUMNS, isBSide } from './commands/channels.js';
export { ORIGINATE_SYNTAX, originateCommand, parseAppTarget } from './commands/originate.js';
export { uuidBridgeCommand } from './commands/uuid-bridge.js';
export {
  NO_SUCH_CHANNEL, causeOr, hupallCommand, lookupVariable, uuidDumpCommand, uuidExistsCommand, uuidGetvarCommand, uuidHoldCommand, uuidKillCommand,
  uuidSetvarCommand, uuidTransferCommand, type EventDumpFormat, type EventSerializer,
} from './commands/uuid.js';
