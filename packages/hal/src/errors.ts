/** What went wrong, for code that reacts to it; the message is for people. */
export type HalErrorCode =
  | "INVALID_PIN"
  | "PIN_BUSY"
  | "PERMISSION_DENIED"
  | "NO_SYSFS_GPIO"
  | "NO_GPIO_CHIP"
  | "UNSUPPORTED_BOARD"
  | "NO_I2C_BUS"
  | "BACKEND_MISSING"
  | "IO_ERROR";

/** A hardware error with a code, a message saying what was expected, and a hint how to fix it. */
export class HalError extends Error {
  override readonly name = "HalError";
  constructor(
    readonly code: HalErrorCode,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(hint ? `${message} (${hint})` : message, options);
  }
}

/** The errno code of a Node system error, if it is one. */
export function errnoCode(error: unknown): string | undefined {
  return error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : undefined;
}
