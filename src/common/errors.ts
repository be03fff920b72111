// The project's error base class. Every error a caller might handle is a subclass with a
// stable `code` string, so code can branch on `err.code` and people can read `err.message`.
// A call ending is not an error: it is a hangup cause (see b2bua/causes).

export class SoftswitchError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A configuration problem, located at `file:line:col` where that is known. */
export class ConfigError extends SoftswitchError {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(message: string, where?: { file?: string; line?: number; column?: number }, options?: { cause?: unknown }) {
    super('ERR_CONFIG', ConfigError.format(message, where), options);
    this.file = where?.file;
    this.line = where?.line;
    this.column = where?.column;
  }

  /** `file:line:col message`, omitting what is not known. */
  static format(message: string, where?: { file?: string; line?: number; column?: number }): string {
    if (!where?.file) return message;
    let at = where.file;
    if (where.line !== undefined) {
      at += `:${where.line}`;
      if (where.column !== undefined) at += `:${where.column}`;
    }
    return `${at} ${message}`;
  }
}

/** A method called on an object that is closed or in the wrong state for it. */
export class InvalidStateError extends SoftswitchError {
  constructor(message: string) {
    super('ERR_INVALID_STATE', message);
  }
}
