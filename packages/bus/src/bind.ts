import net from "node:net";

/**
 * Binds an endpoint from the config, turning failures into messages that name the endpoint,
 * the config key and the likely cause (`likelyHolder` when the address is taken).
 */
export async function bindOrExplain(
  socket: { bind(endpoint: string): Promise<void> },
  endpoint: string,
  key: string,
  likelyHolder = "another roomguard",
): Promise<void> {
  try {
    // libzmq replaces an existing ipc socket file, even one a running process listens on.
    if (endpoint.startsWith("ipc://") && (await someoneListens(endpoint.slice("ipc://".length)))) {
      throw Object.assign(new Error(`${endpoint} is in use`), { code: "EADDRINUSE" });
    }
    await socket.bind(endpoint);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint =
      code === "EADDRINUSE"
        ? `another process (${likelyHolder}?) listens there`
        : code === "EACCES"
          ? "permission denied"
          : code === "EADDRNOTAVAIL"
            ? "no such address on this machine"
            : (error as Error).message;
    throw Object.assign(new Error(`cannot listen on ${endpoint} (${key}): ${hint}`, { cause: error }), { code });
  }
}

/** Whether a process accepts connections on a Unix socket path. */
function someoneListens(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
}
