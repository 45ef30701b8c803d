/** The HTTP API the page calls before and beside the socket: who is logged in, login, logout. */
import type { Role } from "./protocol.js";

export interface Who {
  user: string;
  role: Role;
}

const UNREACHABLE = "the dashboard cannot be reached; check the network and try again";

async function errorText(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: unknown };
    if (typeof body.error === "string") return body.error;
  } catch {
    // Not JSON: fall through to the status.
  }
  return `the dashboard answered ${response.status} ${response.statusText}`;
}

/** Who is logged in, null when nobody is (`{"user": null}`), or the reason the question failed. */
export async function fetchSession(): Promise<{ who: Who | null } | { problem: string }> {
  try {
    const response = await fetch("/api/session", { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) return { problem: await errorText(response) };
    const who = (await response.json()) as Who | { user: null };
    return { who: who.user === null ? null : who };
  } catch {
    return { problem: UNREACHABLE };
  }
}

/** Logs in; on failure the server's own message (wrong name or password, too many attempts: try again in N s). */
export async function logIn(name: string, password: string): Promise<{ who: Who } | { problem: string }> {
  try {
    const response = await fetch("/api/login", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name, password }),
    });
    if (response.ok) return { who: (await response.json()) as Who };
    return { problem: await errorText(response) };
  } catch {
    return { problem: UNREACHABLE };
  }
}

/** Logs out; true when the server agreed (the cookie is cleared). */
export async function logOut(): Promise<boolean> {
  try {
    const response = await fetch("/api/logout", { method: "POST", credentials: "same-origin" });
    return response.ok;
  } catch {
    return false;
  }
}
