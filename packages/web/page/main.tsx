/** The page's entry: who is logged in decides between the login form and the dashboard. */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { fetchSession, type Who } from "./api.js";
import { Dashboard } from "./dashboard.js";
import { Login } from "./login.js";

type Auth =
  { kind: "checking" } | { kind: "out"; notice: string | null } | { kind: "in"; who: Who } | { kind: "unreachable"; problem: string };

function App() {
  const [auth, setAuth] = useState<Auth>({ kind: "checking" });

  const check = async () => {
    const answer = await fetchSession();
    if ("problem" in answer) setAuth({ kind: "unreachable", problem: answer.problem });
    else setAuth(answer.who === null ? { kind: "out", notice: null } : { kind: "in", who: answer.who });
  };
  useEffect(() => void check(), []);

  switch (auth.kind) {
    case "checking":
      return (
        <main id="main" class="login">
          <p class="panel" aria-live="polite">
            Loading…
          </p>
        </main>
      );
    case "unreachable":
      return (
        <main id="main" class="login">
          <div class="panel">
            <h1>roomguard</h1>
            <p class="notice error" aria-live="polite">
              {auth.problem}
            </p>
            <button type="button" class="primary" onClick={() => void check()}>
              Try again
            </button>
          </div>
        </main>
      );
    case "out":
      return <Login notice={auth.notice} onLoggedIn={(who) => setAuth({ kind: "in", who })} />;
    case "in":
      return <Dashboard who={auth.who} onLoggedOut={(notice) => setAuth({ kind: "out", notice })} />;
  }
}

const root = document.getElementById("app");
if (root !== null) {
  root.textContent = "";
  render(<App />, root);
}
