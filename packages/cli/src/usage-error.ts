/** A wrong command line: printed with a pointer to `--help`, exit code 64 (EX_USAGE). */
export class UsageError extends Error {
  readonly code = "EUSAGE";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
