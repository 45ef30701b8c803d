/** The router or the launcher did not answer: printed with a hint, exit code 69 (EX_UNAVAILABLE). */
export class UnreachableError extends Error {
  readonly code = "EUNREACHABLE";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UnreachableError";
  }
}
