import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

/** One end of a {@link vethPair}: a network namespace and its address on the link. */
export interface NetSide {
  ns: string;
  address: string;
  /** Starts `command` inside this namespace (`ip netns exec`: the child's pid is the command's). */
  spawn(command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
}

export interface VethPair {
  a: NetSide;
  b: NetSide;
  /** Deletes both namespaces (and so the link); kill what runs in them first. */
  close(): void;
}

let pairs = 0;

/**
 * Two network namespaces joined by a veth pair, 10.99.0.1 (a) and 10.99.0.2 (b): a real
 * non-loopback path between two "machines", made by the test (root only). Each namespace
 * has its own network stack, so the same addresses and ports never collide between tests;
 * only the names are unique.
 */
export function vethPair(): VethPair {
  const id = `${process.pid % 100_000}${String.fromCharCode(97 + (pairs++ % 26))}`;
  const names = { a: `rg-${id}-a`, b: `rg-${id}-b` };
  const links = { a: `rgv${id}a`, b: `rgv${id}b` }; // an interface name has at most 15 characters
  const ip = (...args: string[]): void => void execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
  const made: string[] = [];
  try {
    for (const side of ["a", "b"] as const) {
      ip("netns", "add", names[side]);
      made.push(names[side]);
      ip("-n", names[side], "link", "set", "lo", "up");
    }
    ip("link", "add", links.a, "netns", names.a, "type", "veth", "peer", "name", links.b, "netns", names.b);
    ip("-n", names.a, "addr", "add", "10.99.0.1/30", "dev", links.a);
    ip("-n", names.b, "addr", "add", "10.99.0.2/30", "dev", links.b);
    ip("-n", names.a, "link", "set", links.a, "up");
    ip("-n", names.b, "link", "set", links.b, "up");
  } catch (error) {
    for (const ns of made) execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`cannot make a veth pair between two network namespaces (root needed): ${stderr ?? (error as Error).message}`, {
      cause: error,
    });
  }
  const side = (ns: string, address: string): NetSide => ({
    ns,
    address,
    spawn: (command, args, options = {}) => spawn("ip", ["netns", "exec", ns, command, ...args], options),
  });
  return {
    a: side(names.a, "10.99.0.1"),
    b: side(names.b, "10.99.0.2"),
    close() {
      for (const ns of made) {
        try {
          execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
        } catch {
          // already gone
        }
      }
    },
  };
}
