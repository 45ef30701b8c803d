/** Simulated hardware (admin): open or shut a pin-driven door, press a keypad key. */
import { useState } from "preact/hooks";
import type { Send } from "./dashboard.js";
import { NoticeLine, Panel, type Notice } from "./panel.js";

const KEYS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#", "A", "B", "C", "D", "LEFT", "RIGHT", "UP", "DOWN", "SELECT"];

export function SimPanel(props: { send: Send; live: boolean }) {
  const [pin, setPin] = useState("25");
  const [openWhen, setOpenWhen] = useState<"high" | "low">("high");
  const [key, setKey] = useState("1");
  const [notice, setNotice] = useState<Notice | null>(null);

  const pinNumber = Number(pin);
  const pinValid = /^\d{1,2}$/.test(pin) && pinNumber <= 27;
  const run = async (args: Record<string, unknown>, done: string) => {
    const outcome = await props.send("sim", args);
    setNotice(outcome.ok ? { ok: true, text: done } : { ok: false, text: outcome.message });
  };
  const door = (open: boolean) => {
    const level = open === (openWhen === "high") ? 1 : 0;
    void run({ command: "gpio", pin: pinNumber, level }, `GPIO ${pinNumber} set to ${level}: door ${open ? "opened" : "shut"}.`);
  };

  return (
    <Panel id="sim" title="Simulation">
      <p class="hint">The hardware is simulated: these drive its pins and keys.</p>
      <form class="sim-form" onSubmit={(event) => event.preventDefault()}>
        <fieldset>
          <legend>Door switch</legend>
          <div class="field">
            <label for="sim-pin">GPIO pin (BCM number)</label>
            <input
              id="sim-pin"
              inputMode="numeric"
              value={pin}
              aria-invalid={!pinValid}
              aria-describedby="sim-pin-hint"
              onInput={(event) => setPin(event.currentTarget.value.trim())}
            />
            <p id="sim-pin-hint" class="hint">
              {pinValid ? "The door sensor's pin (front is 25 in roomguard.yaml)." : "Expected a BCM pin, 0–27."}
            </p>
          </div>
          <div class="field">
            <label for="sim-open-when">The door reads open when the pin is</label>
            <select
              id="sim-open-when"
              value={openWhen}
              onChange={(event) => setOpenWhen(event.currentTarget.value === "low" ? "low" : "high")}
            >
              <option value="high">high (1), a reed switch to ground</option>
              <option value="low">low (0), a normally-closed switch</option>
            </select>
          </div>
          <div class="field-row">
            <button type="button" disabled={!props.live || !pinValid} onClick={() => door(true)}>
              Open door
            </button>
            <button type="button" disabled={!props.live || !pinValid} onClick={() => door(false)}>
              Shut door
            </button>
          </div>
        </fieldset>
        <fieldset>
          <legend>Keypad key</legend>
          <div class="field">
            <label for="sim-key">Key</label>
            <select id="sim-key" value={key} onChange={(event) => setKey(event.currentTarget.value)}>
              {KEYS.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </div>
          <button type="button" disabled={!props.live} onClick={() => void run({ command: "press", key }, `Pressed ${key}.`)}>
            Press key
          </button>
        </fieldset>
      </form>
      <NoticeLine notice={notice} />
    </Panel>
  );
}
