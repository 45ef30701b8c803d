import { setListItem } from "../yaml-splice.js";

export { YamlEditError } from "../yaml-splice.js";

/** One user's code to set in `alarm.users`. */
export interface CodeChange {
  name: string;
  field: "pin" | "duressPin";
  /** The hash (hashSecret's form), never the code. */
  hash: string;
  /** The role to set; undefined keeps an existing user's and gives a new one `user`. */
  role?: "admin" | "user" | undefined;
}

/**
 * `text` with the change made in `alarm.users` and every other byte as it was (see
 * {@link setListItem}): adds `alarm:` and `users:` where missing. Throws YamlEditError for a file
 * that is not YAML or whose `alarm` section is written in a form it does not edit.
 */
export function setUserCode(text: string, change: CodeChange): string {
  const set: Record<string, string> = { [change.field]: change.hash };
  if (change.role !== undefined) set.role = change.role;
  return setListItem(text, ["alarm", "users"], { key: "name", matches: (name) => name === change.name, label: change.name }, set, {
    name: change.name,
    [change.field]: change.hash,
    role: change.role ?? "user",
  });
}
