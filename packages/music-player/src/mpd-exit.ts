/**
 * Lines mpd writes to stderr at every start that never explain why it stopped: a decoder plugin
 * it was built with but cannot use (Debian's wildmidi without a timidity config), a first start's
 * missing database and state file, no Avahi.
 */
const INFORMATIONAL = [
  /Decoder plugin '[^']*' is unavailable/,
  /Failed to open '[^']*\/(database|state)': No such file/,
  /avahi|zeroconf/i,
];

/** Lines that say what went wrong: mpd's fatal `exception:` lines and failures. */
const TELLING = /exception:|fail|error/i;

/**
 * Why mpd stopped, in words for the user, from how it ended and its last stderr lines: a signal
 * names itself (a kill -9 is the reason, whatever mpd said at its start); an exit code comes with
 * mpd's own words about the failure. Informational lines are never given as the reason.
 */
export function describeMpdExit(code: number | null, signal: string | null, stderr: readonly string[]): string {
  const said = stderr.filter((line) => !INFORMATIONAL.some((pattern) => pattern.test(line)));
  const telling = said.filter((line) => TELLING.test(line)).slice(-2);
  if (signal !== null) return `mpd exited (${signal})${telling.length > 0 ? `: ${telling.join("; ")}` : ""}`;
  return `mpd exited (code ${code ?? "?"}): ${(telling.length > 0 ? telling : said.slice(-2)).join("; ") || "it said nothing about why"}`;
}
