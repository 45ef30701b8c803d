import { randomBytes } from "node:crypto";
import { controlMessage, parseSubject, Topic, type BusClient } from "@roomguard/bus";
import { PageRequestError } from "./page-requests.js";

/** Most commands awaiting their answer at once; more are `busy`. */
const MAX_WAITING = 64;

interface Waiting {
  resolve(answer: Record<string, unknown>): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Sends `CONTROL: <service> <COMMAND> {"id":…}` on the bus and resolves with the `STATUS:`
 * answer carrying that id (docs/protocol.md): for services that take commands only over pub/sub,
 * such as the music player. The answer's `refused` or `error` rejects with the service's words.
 */
export class ControlAsker {
  private readonly waiting = new Map<string, Waiting>();
  private readonly answers;

  constructor(
    private readonly bus: BusClient,
    private readonly service: string,
    private readonly timeoutMs = 3000,
  ) {
    this.answers = bus.subscribe(`${Topic.STATUS}: ${service} `);
    void this.read();
  }

  async ask(command: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    if (this.waiting.size >= MAX_WAITING) throw new PageRequestError("busy", `too many commands waiting for ${this.service}; try again`);
    const id = randomBytes(9).toString("base64url");
    const answer = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new PageRequestError("unavailable", `${this.service} did not answer within ${this.timeoutMs / 1000} s: is it running?`));
      }, this.timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
    });
    await this.bus.publish(controlMessage(this.service, command, { ...args, id }));
    return answer;
  }

  close(): void {
    this.answers.close();
    for (const [id, waiting] of this.waiting) {
      clearTimeout(waiting.timer);
      waiting.reject(new PageRequestError("unavailable", "the dashboard is stopping"));
      this.waiting.delete(id);
    }
  }

  private async read(): Promise<void> {
    for await (const message of this.answers) {
      let payload: unknown;
      try {
        payload = parseSubject(message).payload;
      } catch {
        continue;
      }
      if (typeof payload !== "object" || payload === null) continue;
      const answer = payload as Record<string, unknown>;
      const waiting = typeof answer.id === "string" ? this.waiting.get(answer.id) : undefined;
      if (waiting === undefined) continue;
      this.waiting.delete(answer.id as string);
      clearTimeout(waiting.timer);
      if (typeof answer.refused === "string")
        waiting.reject(new PageRequestError("refused", typeof answer.reason === "string" ? answer.reason : answer.refused));
      else if (typeof answer.error === "string") waiting.reject(new PageRequestError("failed", answer.error));
      else waiting.resolve(answer);
    }
  }
}
