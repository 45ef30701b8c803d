import { FrameFlag } from "@roomguard/journal";

/**
 * `SIM: press <KEY>`: a simulated finger on the keypad. With the keypad's code entry those keys
 * are an alarm code's digits, which must land in no file: the router forwards them and does
 * not journal them (they are counted in `ROUTER: stats`, `journal.skipped.sim_press`). Only
 * services on simulated hardware act on them. Other `SIM:` messages (`gpio`, `read`, `level`)
 * are journaled as usual.
 */
const SIM_PRESS = Buffer.from("SIM: press ");

/**
 * The messages of a batch of ZMTP frames (whole messages, no commands) that are journaled: those
 * whose first frame does not start with `SIM: press `. A batch without one (nearly every batch:
 * one native search tells) comes back as it is, the same buffer.
 */
export function journaledOnly(frames: Buffer, messages: number): { frames: Buffer; messages: number; skipped: number } {
  if (frames.indexOf(SIM_PRESS) < 0) return { frames, messages, skipped: 0 };
  const kept: Buffer[] = [];
  let skipped = 0;
  let offset = 0;
  let messageStart = 0;
  let first = true;
  let skipping = false;
  while (offset + 2 <= frames.length) {
    const flags = frames[offset] as number;
    const long = (flags & FrameFlag.LONG) !== 0;
    const header = long ? 9 : 2;
    const size = long ? Number(frames.readBigUInt64BE(offset + 1)) : (frames[offset + 1] as number);
    const body = offset + header;
    if (first) {
      skipping = size >= SIM_PRESS.length && frames.subarray(body, body + SIM_PRESS.length).equals(SIM_PRESS);
      first = false;
    }
    offset = body + size;
    if (flags & FrameFlag.MORE) continue;
    if (skipping) skipped++;
    else kept.push(frames.subarray(messageStart, offset));
    messageStart = offset;
    first = true;
  }
  if (skipped === 0) return { frames, messages, skipped: 0 };
  return { frames: Buffer.concat(kept), messages: messages - skipped, skipped };
}
