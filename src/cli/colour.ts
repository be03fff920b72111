// How the console paints what the switch streams: log lines by level (fs_cli's colours: red for
// ERR and worse, magenta WARNING, cyan NOTICE, green INFO, yellow DEBUG) and SIP trace entries
// like sngrep's message view: a coloured direction arrow, the start line in bold (the status
// coloured by class), header names in cyan, the body dimmed. With colours off the text passes
// through unchanged. The SIP trace shape is spec §5.8.

export const SGR = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  blue: '\x1b[34m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
} as const;

const LEVEL_COLOURS = ['', SGR.red, SGR.red, SGR.red, SGR.magenta, SGR.cyan, SGR.green, SGR.yellow];

/** `recv 612 bytes from udp/[192.168.1.50]:5060 at 14:02:11.804512:` (older builds indent). */
const TRACE_STAMP = /^(\s*)(recv|send)( \d+ bytes )(from|to)( )(\S+)( at )(\S+)$/;

export function isSipTrace(text: string): boolean {
  return /^\s*(recv|send) \d+ bytes (from|to) /.test(text);
}

/** One log/data entry, coloured by its FS level (SIP trace entries get their own colours). */
export function colourLogText(text: string, level: number, enabled: boolean): string {
  if (!enabled) return text;
  if (isSipTrace(text)) return colourSipTrace(text, true);
  const colour = LEVEL_COLOURS[level] ?? '';
  if (colour === '') return text;
  const trailing = text.endsWith('\n') ? '\n' : '';
  const body = trailing ? text.slice(0, -1) : text;
  return `${colour}${body}${SGR.reset}${trailing}`;
}

function statusColour(code: number): string {
  if (code < 200) return SGR.cyan;
  if (code < 300) return SGR.green;
  if (code < 400) return SGR.blue;
  return SGR.red;
}

function colourStartLine(line: string): string {
  const response = /^(\s*)(SIP\/2\.0) (\d{3})( .*)?$/.exec(line);
  if (response) {
    const code = Number(response[3]);
    return `${response[1]}${SGR.bold}${response[2]} ${statusColour(code)}${response[3]}${response[4] ?? ''}${SGR.reset}`;
  }
  const request = /^(\s*)([A-Z]+)( .*)$/.exec(line);
  if (request) return `${request[1]}${SGR.bold}${SGR.yellow}${request[2]}${SGR.reset}${SGR.bold}${request[3]}${SGR.reset}`;
  return `${SGR.bold}${line}${SGR.reset}`;
}

/** Paint a SIP trace entry; anything that does not look like one is returned as is. */
export function colourSipTrace(text: string, enabled: boolean): string {
  if (!enabled || !isSipTrace(text)) return text;
  const lines = text.split('\n');
  const out: string[] = [];
  let state: 'stamp' | 'rule' | 'start' | 'headers' | 'body' = 'stamp';
  let dirColour: string = SGR.green;
  for (const line of lines) {
    switch (state) {
      case 'stamp': {
        const m = TRACE_STAMP.exec(line);
        if (m) {
          const recv = m[2] === 'recv';
          dirColour = recv ? SGR.green : SGR.blue;
          const arrow = recv ? '<<<' : '>>>';
          out.push(
            `${m[1]}${dirColour}${SGR.bold}${arrow} ${m[2]}${SGR.reset}${m[3]}${m[4]}${m[5]}${SGR.bold}${m[6]}${SGR.reset}${m[7]}${SGR.dim}${m[8]}${SGR.reset}`,
          );
        } else {
          out.push(line);
        }
        state = 'rule';
        break;
      }
      case 'rule':
        if (/^\s*-{10,}\s*$/.test(line)) {
          out.push(`${dirColour}${line}${SGR.reset}`);
          state = 'start';
        } else {
          out.push(colourStartLine(line));
          state = 'headers';
        }
        break;
      case 'start':
        out.push(line === '' ? line : colourStartLine(line));
        if (line !== '') state = 'headers';
        break;
      case 'headers': {
        if (line.trim() === '') {
          out.push(line);
          state = 'body';
          break;
        }
        if (/^\s*-{10,}\s*$/.test(line)) {
          out.push(`${dirColour}${line}${SGR.reset}`);
          break;
        }
        const colon = line.indexOf(':');
        out.push(colon > 0 ? `${SGR.cyan}${line.slice(0, colon)}${SGR.reset}${line.slice(colon)}` : line);
        break;
      }
      case 'body':
        if (/^\s*-{10,}\s*$/.test(line)) out.push(`${dirColour}${line}${SGR.reset}`);
        else out.push(line === '' ? line : `${SGR.dim}${line}${SGR.reset}`);
        break;
    }
  }
  return out.join('\n');
}

/** A received event printed for the console: header names in cyan. */
export function colourEventText(text: string, enabled: boolean): string {
  if (!enabled) return text;
  return text.replace(/^([A-Za-z0-9_-]+)(: )/gm, `${SGR.cyan}$1${SGR.reset}$2`);
}
