// The few parts of the modesl client (a CommonJS package without types) that the bench and the
// ESL interop tests use. Shapes read from node_modules/modesl/lib/esl/{Connection,Event}.js.
declare module 'modesl' {
  export class Event {
    constructor(type: string, subclass?: string);
    type: string;
    headers: Array<{ name: string; value: string }>;
    getHeader(name: string): string | null;
    getBody(): string;
    getType(): string;
    addHeader(name: string, value: string): string;
    addBody(value: string): string;
    serialize(format?: 'plain' | 'json' | 'xml'): string;
  }
  export class Connection {
    constructor(host: string, port: number, password: string, ready?: () => void);
    socket: import('node:net').Socket | null;
    api(command: string, cb: (res: Event) => void): void;
    api(command: string, args: string | string[], cb: (res: Event) => void): void;
    bgapi(command: string, cb: (evt: Event) => void): void;
    bgapi(command: string, args: string | string[], cb: (evt: Event) => void): void;
    bgapi(command: string, args: string | string[], jobid: string, cb: (evt: Event) => void): void;
    events(type: 'plain' | 'json' | 'xml', events: string | string[], cb?: (res: Event) => void): void;
    filter(header: string, value: string, cb?: (res: Event) => void): void;
    filterDelete(header: string, value: string, cb?: (res: Event) => void): void;
    sendEvent(event: Event, cb?: (res: Event) => void): void;
    sendRecv(command: string, cb?: (res: Event) => void): void;
    sendRecv(command: string, args: Record<string, string>, cb?: (res: Event) => void): void;
    disconnect(): void;
    connected(): boolean;
    on(event: string, listener: (...args: any[]) => void): this;
    once(event: string, listener: (...args: any[]) => void): this;
    removeAllListeners(event?: string): this;
  }
  const esl: { Connection: typeof Connection; Event: typeof Event };
  export default esl;
}
