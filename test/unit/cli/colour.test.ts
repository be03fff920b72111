import { describe, expect, it } from 'vitest';
import { colourEventText, colourLogText, colourSipTrace, isSipTrace, SGR } from '../../../src/cli/colour.js';

const RULE = '-'.repeat(72);
const TRACE =
  'recv 612 bytes from udp/[192.168.1.50]:5060 at 14:02:11.804512:\n' +
  `${RULE}\n` +
  'INVITE sip:1001@192.168.1.10 SIP/2.0\n' +
  'Via: SIP/2.0/UDP 192.168.1.50:5060;branch=z9hG4bK1234\n' +
  'Content-Type: application/sdp\n' +
  '\n' +
  'v=0\n' +
  'o=- 1 1 IN IP4 192.168.1.50\n';

const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('console colours', () => {
  it('recognises SIP trace entries by their stamp line', () => {
    expect(isSipTrace(TRACE)).toBe(true);
    expect(isSipTrace('send 480 bytes to tcp/[10.0.0.1]:5061 at 10:00:00.000001:\n')).toBe(true);
    expect(isSipTrace('2024-05-01 12:00:01.000000 99.00% [INFO] received 3 bytes\n')).toBe(false);
  });

  it('leaves every entry untouched when colours are off', () => {
    expect(colourLogText(TRACE, 0, false)).toBe(TRACE);
    expect(colourLogText('[ERR] x\n', 3, false)).toBe('[ERR] x\n');
    expect(colourEventText('Event-Name: HEARTBEAT\n', false)).toBe('Event-Name: HEARTBEAT\n');
  });

  it('paints a received request: green arrow, bold method, cyan header names, dimmed body', () => {
    const out = colourSipTrace(TRACE, true);
    const lines = out.split('\n');
    expect(lines[0]).toBe(`${SGR.green}${SGR.bold}<<< recv${SGR.reset} 612 bytes from ${SGR.bold}udp/[192.168.1.50]:5060${SGR.reset} at ${SGR.dim}14:02:11.804512:${SGR.reset}`);
    expect(lines[1]).toBe(`${SGR.green}${RULE}${SGR.reset}`);
    expect(lines[2]).toBe(`${SGR.bold}${SGR.yellow}INVITE${SGR.reset}${SGR.bold} sip:1001@192.168.1.10 SIP/2.0${SGR.reset}`);
    expect(lines[3]).toBe(`${SGR.cyan}Via${SGR.reset}: SIP/2.0/UDP 192.168.1.50:5060;branch=z9hG4bK1234`);
    expect(lines[5]).toBe('');
    expect(lines[6]).toBe(`${SGR.dim}v=0${SGR.reset}`);
    // Only colour codes were added.
    expect(strip(out)).toBe(TRACE.replace('recv 612', '<<< recv 612'));
  });

  it('colours a sent response by its status class and the arrow blue', () => {
    const sent = `send 300 bytes to udp/[192.168.1.50]:5060 at 14:02:11.900000:\n${RULE}\nSIP/2.0 486 Busy Here\nCall-ID: x\n\n`;
    const out = colourLogText(sent, 0, true);
    expect(out.startsWith(`${SGR.blue}${SGR.bold}>>> send${SGR.reset}`)).toBe(true);
    expect(out).toContain(`${SGR.bold}SIP/2.0 ${SGR.red}486 Busy Here${SGR.reset}`);
    const ok = colourSipTrace(sent.replace('486 Busy Here', '200 OK'), true);
    expect(ok).toContain(`${SGR.green}200 OK`);
  });

  it('colours log lines like fs_cli: red errors, magenta warnings, green info, yellow debug', () => {
    expect(colourLogText('x\n', 3, true)).toBe(`${SGR.red}x${SGR.reset}\n`);
    expect(colourLogText('x\n', 4, true)).toBe(`${SGR.magenta}x${SGR.reset}\n`);
    expect(colourLogText('x\n', 6, true)).toBe(`${SGR.green}x${SGR.reset}\n`);
    expect(colourLogText('x\n', 7, true)).toBe(`${SGR.yellow}x${SGR.reset}\n`);
    expect(colourLogText('x\n', 0, true)).toBe('x\n');
  });

  it('paints event header names', () => {
    expect(colourEventText('Event-Name: HEARTBEAT\nUp-Time: 1\n', true)).toBe(
      `${SGR.cyan}Event-Name${SGR.reset}: HEARTBEAT\n${SGR.cyan}Up-Time${SGR.reset}: 1\n`,
    );
  });
});
