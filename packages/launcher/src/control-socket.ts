import { Reply } from "zeromq";
import { bindOrExplain } from "@roomguard/bus";
import type { Logger } from "@roomguard/runtime";
import type { Hints } from "./hints.js";

/**
 * Answers `roomguard ctl` on a request/reply socket: one command line in, one text answer out.
 * A failing command is answered with its error; the socket keeps serving. `hints` spell the
 * command a refused bind suggests.
 */
export async function serveCommands(
  endpoint: string,
  run: (line: string) => Promise<string>,
  log: Logger,
  hints: Hints,
): Promise<{ close(): void }> {
  const socket = new Reply({ linger: 0 });
  try {
    await bindOrExplain(socket, endpoint, "launcher.control");
  } catch (error) {
    socket.close();
    const taken = (error as NodeJS.ErrnoException).code === "EADDRINUSE";
    throw taken
      ? new Error(`${(error as Error).message}: is another launcher running? \`${hints.command("status")}\` asks it`, { cause: error })
      : error;
  }
  void (async () => {
    try {
      for await (const [request] of socket) {
        const line = request?.toString("utf8") ?? "";
        let answer: string;
        try {
          answer = await run(line);
        } catch (error) {
          answer = `error: ${error instanceof Error ? error.message : String(error)}`;
        }
        log.debug("command", { line, answer });
        await socket.send(answer);
      }
    } catch (error) {
      if (!socket.closed) log.error("the command socket failed", { error });
    }
  })();
  return { close: () => socket.close() };
}
