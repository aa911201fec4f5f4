/**
 * The closed catalog of domain errors. Every error Pure reports carries one of these stable codes;
 * the API maps a code to an HTTP status in one place and the CLI prints `pure: <message>`.
 * Never branch on message text: branch on `code` (or `instanceof`).
 */
export type ErrorCode =
  | 'not_found'
  | 'already_exists'
  | 'invalid_argument'
  | 'conflict'
  | 'failed_precondition'
  | 'unavailable'
  | 'internal';

export const ERROR_CODES: readonly ErrorCode[] = [
  'not_found',
  'already_exists',
  'invalid_argument',
  'conflict',
  'failed_precondition',
  'unavailable',
  'internal',
];

export class PureError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The thing named does not exist: `no such container: "web"`. */
export class NotFound extends PureError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('not_found', message, options);
  }
}

/** A name or id is taken: `container name "web" is already in use by 3f2a…`. */
export class AlreadyExists extends PureError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('already_exists', message, options);
  }
}

/** The caller's input is malformed: `invalid --memory "12q": unknown unit "q"`. */
export class InvalidArgument extends PureError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_argument', message, options);
  }
}

/** The request clashes with the current state: `cannot remove container "web": it is running (use -f)`. */
export class Conflict extends PureError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('conflict', message, options);
  }
}

/** The system is not in a state where the request can work (a missing binary, a kernel feature). */
export class FailedPrecondition extends PureError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('failed_precondition', message, options);
  }
}

/** A dependency did not answer (the daemon, a registry); retrying may help. */
export class Unavailable extends PureError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unavailable', message, options);
  }
}

/** A bug or an unexpected failure of a part below us (runc, conmon, the kernel). */
export class Internal extends PureError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('internal', message, options);
  }
}

export function isPureError(err: unknown): err is PureError {
  return err instanceof PureError;
}

/** The code of any thrown value: a PureError's own, `internal` for anything else. */
export function codeOf(err: unknown): ErrorCode {
  return isPureError(err) ? err.code : 'internal';
}

/** A one-line message for any thrown value. */
export function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}
