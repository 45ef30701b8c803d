// A child of power-loss.test.ts: resumes from the state file in argv[2], prints "ready <seq>",
// then saves stateForSeq(seq) for seq = last + 1, last + 2, … as fast as it can, printing each
// seq only after save returned (its acknowledgment), until it is killed.
import { writeSync } from "node:fs";
import { openStateFile } from "../src/state-file.js";
import { stateForSeq } from "./power-loss-states.js";

const dir = process.argv[2];
if (dir === undefined) throw new Error("usage: power-loss-writer.js DIR");
const file = openStateFile(dir);
const loaded = file.load();
if (loaded.kind === "corrupt") throw new Error(`the state file is corrupt: ${loaded.problems.join("; ")}`);
let seq = loaded.kind === "ok" ? loaded.seq : 0;
// writeSync to fd 1: the line is in the pipe before the next save starts (no buffering to lose on SIGKILL).
writeSync(1, `ready ${seq}\n`);
for (;;) {
  seq += 1;
  file.save(stateForSeq(seq));
  writeSync(1, `${seq}\n`);
}
