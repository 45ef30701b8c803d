import { randomBytes } from "node:crypto";
import { open, readFile, realpath, rename, stat, unlink } from "node:fs/promises";
import path from "node:path";

/**
 * Replaces `file`'s content with `text` so that a reader (or a power cut) sees the old file or
 * the new one, never a part: a temporary file beside it, written, given the old file's mode,
 * owner and group, fsynced, renamed over it, and the directory fsynced. A symlink is followed
 * (the file it points to is replaced). Rejects, leaving the file as it was, when its content is
 * no longer `expected` (someone changed it meanwhile) or when the owner cannot be kept (a file
 * of root's edited by another user: the new one would be that user's, unreadable to the group).
 */
export async function replaceFile(file: string, text: string, expected: string): Promise<void> {
  const target = await realpath(file);
  const before = await stat(target);
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const handle = await open(temporary, "wx", before.mode & 0o600);
  let renamed = false;
  try {
    try {
      await handle.writeFile(text);
      const now = await handle.stat();
      if (now.uid !== before.uid || now.gid !== before.gid) {
        await handle.chown(before.uid, before.gid).catch((error: NodeJS.ErrnoException) => {
          throw new Error(
            `cannot give the new ${target} its owner and group (uid ${before.uid}, gid ${before.gid}): ${error.code ?? error.message}. ` +
              "Run this as the file's owner (or root, with sudo).",
            { cause: error },
          );
        });
      }
      // After chown, which may clear set-id bits.
      await handle.chmod(before.mode & 0o7777);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if ((await readFile(target, "utf8")) !== expected)
      throw new Error(`${target} changed while it was being edited: nothing was written; try again`);
    await rename(temporary, target);
    renamed = true;
    const directory = await open(path.dirname(target), "r");
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  } finally {
    if (!renamed) await unlink(temporary).catch(() => undefined);
  }
}
