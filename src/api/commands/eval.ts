// `eval <text>`: expand `${var}` and `$${var}` from the global variables and return the text.
// Channel-scoped expansion (`eval uuid:<uuid> …`) comes with channels.

import type { ApiCommand } from '../registry.js';
import type { GlobalVariableStore } from './global-vars.js';

/** Replace `$${name}` and `${name}` by the global's value ('' when unset). Bounded: no recursion. */
export function expandGlobals(text: string, store: GlobalVariableStore): string {
  return text.replace(/\$?\$\{([^}]*)\}/g, (_m, name: string) => store.get(name.trim()) ?? '');
}

export function evalCommand(store: GlobalVariableStore): ApiCommand {
  return {
    description: 'eval (noop)',
    usage: '<expression>',
    handler: (args) => expandGlobals(args, store),
  };
}
