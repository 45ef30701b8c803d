import { useState } from "preact/hooks";
import { logIn, type Who } from "./api.js";

/** The login form: the server's own message on failure (wrong name or password, wait N s). */
export function Login(props: { notice: string | null; onLoggedIn: (who: Who) => void }) {
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    const outcome = await logIn(name.trim(), password);
    setBusy(false);
    setPassword("");
    if ("who" in outcome) props.onLoggedIn(outcome.who);
    else setProblem(outcome.problem);
  };

  return (
    <main id="main" class="login">
      <form class="panel login-form" onSubmit={(event) => void submit(event)} aria-labelledby="login-title">
        <h1 id="login-title">
          <img src="/icon.svg" alt="" width="32" height="32" /> roomguard
        </h1>
        {props.notice !== null && <p class="notice">{props.notice}</p>}
        <label for="login-name">Name</label>
        <input
          id="login-name"
          name="username"
          autocomplete="username"
          autocapitalize="none"
          spellcheck={false}
          required
          value={name}
          onInput={(event) => setName(event.currentTarget.value)}
        />
        <label for="login-password">Password</label>
        <input
          id="login-password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(event) => setPassword(event.currentTarget.value)}
        />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
        <p class={`notice ${problem === null ? "" : "error"}`} aria-live="polite">
          {problem ?? ""}
        </p>
      </form>
    </main>
  );
}
