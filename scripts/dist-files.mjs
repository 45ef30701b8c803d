// The compiled files of every package under dist/<subdir> whose names end with `suffix`.
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

export function distFiles(root, subdir, suffix) {
  return readdirSync(path.join(root, "packages"))
    .map((name) => path.join(root, "packages", name, "dist", subdir))
    .filter((dir) => existsSync(dir))
    .flatMap((dir) =>
      readdirSync(dir)
        .filter((file) => file.endsWith(suffix))
        .map((file) => path.join(dir, file)),
    );
}
