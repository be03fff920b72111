// `hostname`, `switchname` and `create_uuid`: bare values without a newline, as FreeSWITCH
// prints them.

import { randomUUID } from 'node:crypto';
import type { EventBus } from '../../common/index.js';
import type { ApiCommand } from '../registry.js';

export function hostnameCommand(bus: EventBus): ApiCommand {
  return { description: 'Return the system hostname', handler: () => bus.identity.hostname };
}

export function switchnameCommand(bus: EventBus): ApiCommand {
  return { description: 'Return the switch name', handler: () => bus.identity.switchname };
}

export function createUuidCommand(): ApiCommand {
  return { description: 'Create a uuid', handler: () => randomUUID() };
}
