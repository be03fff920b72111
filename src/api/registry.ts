// The API command registry: one table of named commands shared by the console and the event
// socket (`fs_cli -x`, `api <cmd>`, `bgapi <cmd>`). A command is a name plus a handler that
// turns its argument text into output text. Unknown commands and throwing handlers answer the
// way FreeSWITCH does (`-ERR <cmd> Command not found!`). Console execution splits on `;;`.
// Spec §6 (introduction), §6.10, §7.3 (api/bgapi).

import { InvalidStateError } from '../common/index.js';

export interface ApiContext {
  /** Where the command came from. */
  readonly source: 'esl' | 'console' | 'internal';
  /** The event socket peer address, when the command came over the socket. */
  readonly remoteAddress?: string;
  /** The registry running the command (commands that run others use it). Set by execute(). */
  readonly registry?: ApiRegistry;
}

export interface ApiCommand {
  /** Syntax shown by `help`, e.g. `[<level>]`. */
  usage?: string;
  description?: string;
  /** Module column of `help` (default `mod_commands`). */
  module?: string;
  handler(args: string, ctx: ApiContext): string | Promise<string>;
}

export interface ApiCommandInfo {
  name: string;
  usage: string;
  description: string;
  module: string;
}

export interface RegisterOptions {
  /** Replace an existing command of that name instead of refusing. */
  replace?: boolean;
}

const INTERNAL_CONTEXT: ApiContext = { source: 'internal' };

/** Split console input on `;;` into the commands it holds (empty pieces dropped). */
export function splitConsoleCommands(line: string): string[] {
  const out: string[] = [];
  for (const piece of line.split(';;')) {
    const t = piece.trim();
    if (t !== '') out.push(t);
  }
  return out;
}

/** The first word of a command line and the rest, both trimmed. */
export function splitCommandLine(line: string): { name: string; args: string } {
  const trimmed = line.trim();
  const sp = trimmed.search(/\s/);
  if (sp < 0) return { name: trimmed, args: '' };
  return { name: trimmed.slice(0, sp), args: trimmed.slice(sp + 1).trim() };
}

export class ApiRegistry {
  #commands = new Map<string, { name: string; command: ApiCommand }>();

  register(name: string, command: ApiCommand, opts: RegisterOptions = {}): void {
    if (!/^\S+$/.test(name)) throw new InvalidStateError(`invalid API command name ${JSON.stringify(name)}`);
    const key = name.toLowerCase();
    if (this.#commands.has(key) && !opts.replace) {
      throw new InvalidStateError(`API command ${name} is already registered`);
    }
    this.#commands.set(key, { name, command });
  }

  unregister(name: string): boolean {
    return this.#commands.delete(name.toLowerCase());
  }

  has(name: string): boolean {
    return this.#commands.has(name.toLowerCase());
  }

  get(name: string): ApiCommand | undefined {
    return this.#commands.get(name.toLowerCase())?.command;
  }

  /** Every command, sorted by name. */
  list(): ApiCommandInfo[] {
    return [...this.#commands.values()]
      .map(({ name, command }) => ({
        name,
        usage: command.usage ?? '',
        description: command.description ?? '',
        module: command.module ?? 'mod_commands',
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Run one command line (`status`, `sofia status profile internal`). Never throws: an unknown
   * command answers `-ERR <cmd> Command not found!\n`, a throwing handler `-ERR <message>\n`.
   * Empty input gives ''.
   */
  async execute(line: string, ctx: ApiContext = INTERNAL_CONTEXT): Promise<string> {
    const { name, args } = splitCommandLine(line);
    if (name === '') return '';
    const entry = this.#commands.get(name.toLowerCase());
    if (!entry) return `-ERR ${name} Command not found!\n`;
    const runCtx: ApiContext = ctx.registry === this ? ctx : { ...ctx, registry: this };
    try {
      const out = await entry.command.handler(args, runCtx);
      return typeof out === 'string' ? out : String(out ?? '');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return `-ERR ${message.replace(/\r?\n/g, ' ')}\n`;
    }
  }

  /** Console execution: `status;;version` runs both, in order, and joins their output. */
  async executeConsole(line: string, ctx: ApiContext = INTERNAL_CONTEXT): Promise<string> {
    let out = '';
    for (const cmd of splitConsoleCommands(line)) out += await this.execute(cmd, ctx);
    return out;
  }
}
