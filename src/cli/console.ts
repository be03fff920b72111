// `softswitch cli`: the console, fs_cli style (spec §6.10). It talks to the event socket like
// any client: `-x "cmd"` runs commands and exits 0 or 1; without -x it is interactive, with
// readline history, `api` for typed commands, slash commands for the socket itself, and log
// lines, SIP traces and events printed as they arrive without breaking the line being typed.

import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import type { Command } from 'commander';
import { parseFsLogLevel } from '../common/index.js';
import { splitConsoleCommands } from '../api/index.js';
import { EslClient, type EslEventMessage, type EslLogMessage } from '../esl/index.js';
import { colourEventText, colourLogText } from './colour.js';

export interface CliOptions {
  host: string;
  port: number;
  password: string;
  /** Commands to run (split on `;;`); without it the console is interactive. */
  execute?: string;
  /** Level streamed in interactive mode (default debug). */
  logLevel: string;
  /** Per-reply timeout in ms. */
  timeout?: number;
  /** Connect + auth timeout in ms. */
  connectTimeout: number;
  /** False with --no-color; colours are also off when stdout is not a terminal. */
  color: boolean;
  /** No log stream in interactive mode. */
  quiet: boolean;
}

export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  /** Where interactive history lives; null keeps none. */
  historyFile: string | null;
  env: NodeJS.ProcessEnv;
}

export const DEFAULT_CLI_OPTIONS: CliOptions = {
  host: '127.0.0.1',
  port: 8021,
  password: 'ClueCon',
  logLevel: 'debug',
  connectTimeout: 5000,
  color: true,
  quiet: false,
};

const HISTORY_LINES = 1000;

const HELP = `Commands are sent to the switch as API commands (status, version, reloadxml,
sofia status, sofia global siptrace on, console loglevel 7, help …).

Console commands:
  /help              this text
  /exit /quit /bye   leave (also ... and Ctrl-D)
  /log <level>       stream logs at level 0-7 or CONSOLE..DEBUG
  /nolog             stop the log stream
  /event <fmt> <ev>  stream events (e.g. /event plain ALL)
  /noevents          stop the event stream
  /nixevent <ev>     stop one event
  /filter <h> <v>    only events whose header h matches v
`;

function parseIntOption(value: string): number {
  const n = Number.parseInt(value, 10);
  if (!Number.isFinite(n) || n < 0) throw new Error(`not a number: ${value}`);
  return n;
}

/** Add the `cli` sub-command and its fs_cli flags to a commander program. */
export function registerCliCommand(program: Command): Command {
  return program
    .command('cli')
    .description('console: run commands on a running switch over its event socket (fs_cli style)')
    .option('-H, --host <host>', 'event socket host', DEFAULT_CLI_OPTIONS.host)
    .option('-P, --port <port>', 'event socket port', parseIntOption, DEFAULT_CLI_OPTIONS.port)
    .option('-p, --password <password>', 'event socket password', DEFAULT_CLI_OPTIONS.password)
    .option('-x, --execute <command>', 'run the command(s), ;;-separated, print the output and exit')
    .option('-l, --log-level <level>', 'log level to stream when interactive (0-7 or name)', DEFAULT_CLI_OPTIONS.logLevel)
    .option('-q, --quiet', 'do not stream logs', false)
    .option('-t, --timeout <ms>', 'time to wait for each reply', parseIntOption)
    .option('-T, --connect-timeout <ms>', 'time to connect and authenticate', parseIntOption, DEFAULT_CLI_OPTIONS.connectTimeout)
    .option('--no-color', 'no colours (also off when stdout is not a terminal)')
    .action(async (opts: Partial<CliOptions>) => {
      process.exitCode = await runCli(opts);
    });
}

/** Run the console; resolves with the process exit code. */
export async function runCli(options: Partial<CliOptions> = {}, ioOverrides: Partial<CliIo> = {}): Promise<number> {
  const opts: CliOptions = { ...DEFAULT_CLI_OPTIONS, ...stripUndefined(options) };
  const io: CliIo = {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    historyFile: join(homedir(), '.softswitch_cli_history'),
    env: process.env,
    ...ioOverrides,
  };
  let client: EslClient;
  try {
    client = await EslClient.connect({
      host: opts.host,
      port: opts.port,
      password: opts.password,
      connectTimeoutMs: opts.connectTimeout,
    });
  } catch (err) {
    io.stderr.write(`softswitch cli: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  if (opts.execute !== undefined) return runOnce(client, opts, io);
  return runInteractive(client, opts, io);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

async function runOnce(client: EslClient, opts: CliOptions, io: CliIo): Promise<number> {
  let failed = false;
  try {
    for (const cmd of splitConsoleCommands(opts.execute ?? '')) {
      const out = await client.api(cmd, { timeoutMs: opts.timeout });
      io.stdout.write(withNewline(out));
      if (out.startsWith('-ERR')) failed = true;
    }
  } catch (err) {
    io.stderr.write(`softswitch cli: ${err instanceof Error ? err.message : String(err)}\n`);
    failed = true;
  }
  await client.close();
  return failed ? 1 : 0;
}

function loadHistory(file: string | null): string[] {
  if (!file) return [];
  try {
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
    return lines.slice(-HISTORY_LINES).reverse();
  } catch {
    return [];
  }
}

function saveHistory(file: string | null, newestFirst: readonly string[]): void {
  if (!file) return;
  try {
    writeFileSync(file, `${newestFirst.slice(0, HISTORY_LINES).reverse().join('\n')}\n`, { mode: 0o600 });
  } catch {
    // History is a convenience: a read-only home must not break the console.
  }
}

async function runInteractive(client: EslClient, opts: CliOptions, io: CliIo): Promise<number> {
  const terminal = io.stdout.isTTY === true && io.stdin.isTTY === true;
  const colour = opts.color && io.stdout.isTTY === true && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb';
  let switchname = 'softswitch';
  try {
    switchname = (await client.api('switchname', { timeoutMs: opts.timeout })).trim() || switchname;
  } catch {
    // keep the default name
  }
  const prompt = `softswitch@${switchname}> `;
  const rl: Interface = createInterface({
    input: io.stdin,
    output: io.stdout,
    prompt,
    terminal,
    history: terminal ? loadHistory(io.historyFile) : [],
    historySize: HISTORY_LINES,
    removeHistoryDuplicates: true,
  });
  let history: string[] = [];
  rl.on('history', (h: string[]) => {
    history = h;
  });

  /** Print something that arrived on its own, keeping the line being typed intact. */
  const printAsync = (text: string) => {
    if (text === '') return;
    if (terminal) {
      clearLine(io.stdout, 0);
      cursorTo(io.stdout, 0);
      io.stdout.write(withNewline(text));
      rl.prompt(true);
    } else {
      io.stdout.write(withNewline(text));
    }
  };

  client.on('log', (m: EslLogMessage) => printAsync(colourLogText(m.text, m.level, colour)));
  client.on('event', (e: EslEventMessage) => printAsync(colourEventText(e.raw, colour)));

  io.stdout.write(`Connected to ${switchname} at ${opts.host}:${opts.port}. Type /help for help, /exit to leave.\n`);
  if (!opts.quiet) {
    const reply = await client.command(`log ${opts.logLevel}`).catch(() => undefined);
    if (reply && !reply.ok) io.stderr.write(`log ${opts.logLevel}: ${reply.text}\n`);
  }

  let exitCode = 0;
  let leaving = false;
  let chain: Promise<void> = Promise.resolve();

  const send = async (line: string): Promise<void> => {
    const reply = await client.command(line, { timeoutMs: opts.timeout });
    io.stdout.write(withNewline(reply.text));
  };

  const handle = async (raw: string): Promise<void> => {
    const line = raw.trim();
    if (line === '' || leaving) return;
    const lower = line.toLowerCase();
    if (['/exit', '/quit', '/bye', '...'].includes(lower)) {
      leaving = true;
      rl.close();
      return;
    }
    if (line.startsWith('/')) {
      const sp = line.indexOf(' ');
      const cmd = (sp < 0 ? line : line.slice(0, sp)).toLowerCase();
      const arg = sp < 0 ? '' : line.slice(sp + 1).trim();
      switch (cmd) {
        case '/help':
          io.stdout.write(HELP);
          return;
        case '/log':
          return send(`log ${arg}`);
        case '/nolog':
          return send('nolog');
        case '/event':
          return send(`event ${arg}`);
        case '/noevents':
          return send('noevents');
        case '/nixevent':
          return send(`nixevent ${arg}`);
        case '/filter':
          return send(`filter ${arg}`);
        default:
          io.stdout.write(`Unknown command [${cmd}]. Type /help.\n`);
          return;
      }
    }
    const out = await client.api(line, { consoleExecute: true, timeoutMs: opts.timeout });
    io.stdout.write(withNewline(out));
    // fs_cli: `console loglevel X` also moves this console's own log stream.
    const m = /^console\s+loglevel\s+(\S+)/i.exec(line);
    if (m && !opts.quiet && !out.startsWith('-ERR') && parseFsLogLevel(m[1] as string) !== undefined) {
      await client.command(`log ${m[1]}`).catch(() => undefined);
    }
  };

  return new Promise<number>((resolve) => {
    rl.on('line', (line) => {
      chain = chain
        .then(() => handle(line))
        .catch((err: unknown) => {
          io.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        })
        .then(() => {
          if (!leaving && !client.closed) rl.prompt();
        });
    });
    rl.on('SIGINT', () => {
      if (rl.line !== '') {
        // Ctrl-C on a typed line drops the line, as a shell does; on an empty line it leaves.
        rl.write(null, { ctrl: true, name: 'e' });
        rl.write(null, { ctrl: true, name: 'u' });
        io.stdout.write('^C\n');
        rl.prompt();
      } else {
        leaving = true;
        rl.close();
      }
    });
    client.once('close', () => {
      if (!leaving) {
        exitCode = 1;
        printAsync('Disconnected from the switch.\n');
        leaving = true;
        rl.close();
      }
    });
    rl.once('close', () => {
      leaving = true;
      if (terminal) saveHistory(io.historyFile, history);
      void chain.then(async () => {
        await client.close();
        if (terminal) io.stdout.write('\n');
        resolve(exitCode);
      });
    });
    rl.prompt();
  });
}
