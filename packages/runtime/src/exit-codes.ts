/** Exit codes of every roomguard process (sysexits.h where one fits). */
export const ExitCode = {
  ok: 0,
  /** Any other fatal error: the service manager may restart the process. */
  failure: 1,
  /** A wrong command line. */
  usage: 64,
  /** Input that is not what it should be (a malformed bus message). */
  dataError: 65,
  /** The router (or another peer) cannot be reached. */
  unavailable: 69,
  /** Invalid config: restarting will not help, so the service manager should not. */
  config: 78,
} as const;
