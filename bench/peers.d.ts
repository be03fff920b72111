// Minimal typings for the JavaScript SIP parsers we measure ourselves against.
declare module 'sip' {
  export function parse(data: string | Buffer): any;
  export function stringify(msg: any): string;
  export function parseUri(uri: string): any;
}
declare module 'drachtio-sip' {
  export const SipMessage: any;
  export const parser: any;
}
