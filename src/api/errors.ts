/** The one place where domain error codes become HTTP statuses (and back, for the CLI). */
import type { ErrorCode } from '../errors/index.js';

export const STATUS_OF: Record<ErrorCode, number> = {
  invalid_argument: 400,
  not_found: 404,
  already_exists: 409,
  conflict: 409,
  failed_precondition: 412,
  unavailable: 503,
  internal: 500,
};

export function statusOf(code: ErrorCode): number {
  return STATUS_OF[code];
}
