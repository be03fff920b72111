// The packets the server sends (spec §7.1), as strings ready for socket.write(). Lengths count
// UTF-8 bytes. Header values never contain CR or LF: a reply text with a newline would end the
// packet early, so newlines become spaces.

import type { EventHeaders, LogTapEntry } from '../common/index.js';

export const DISCONNECT_GOODBYE = 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';
export const DISCONNECT_SHUTDOWN = 'The system is being shut down.\n';
export const RUDE_REJECTION_TEXT = 'Access Denied, go away.\n';

function oneLine(s: string): string {
  return /[\r\n]/.test(s) ? s.replace(/\r?\n|\r/g, ' ') : s;
}

export function authRequestPacket(): string {
  return 'Content-Type: auth/request\n\n';
}

/** `command/reply` with Reply-Text and any extra headers (bgapi adds Job-UUID). */
export function commandReplyPacket(text: string, extra: EventHeaders = []): string {
  let out = `Content-Type: command/reply\nReply-Text: ${oneLine(text)}\n`;
  for (const [k, v] of extra) out += `${oneLine(k)}: ${oneLine(v)}\n`;
  return `${out}\n`;
}

export function apiResponsePacket(body: string): string {
  return `Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body, 'utf8')}\n\n${body}`;
}

export function logDataPacket(entry: LogTapEntry): string {
  return (
    'Content-Type: log/data\n' +
    `Content-Length: ${Buffer.byteLength(entry.text, 'utf8')}\n` +
    `Log-Level: ${entry.level}\n` +
    `Text-Channel: ${entry.channel}\n` +
    `Log-File: ${oneLine(entry.file)}\n` +
    `Log-Func: ${oneLine(entry.func)}\n` +
    `Log-Line: ${entry.line}\n` +
    `User-Data: ${oneLine(entry.userData)}\n` +
    `\n${entry.text}`
  );
}

export function disconnectNoticePacket(message: string = DISCONNECT_GOODBYE): string {
  return `Content-Type: text/disconnect-notice\nContent-Length: ${Buffer.byteLength(message, 'utf8')}\n\n${message}`;
}

export function rudeRejectionPacket(): string {
  return `Content-Type: text/rude-rejection\nContent-Length: ${Buffer.byteLength(RUDE_REJECTION_TEXT)}\n\n${RUDE_REJECTION_TEXT}`;
}
