/**
 * The virtual keypad: a code (masked, held only in this component's state, cleared after each
 * send and never logged), Away / Home / Night / Disarm, the admin's bypass, and panic with a
 * confirm step. A button this role may not use is disabled with the reason beside it.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Send } from "./dashboard.js";
import { formatWhen } from "./format.js";
import { NoticeLine, Panel, type Notice } from "./panel.js";
import type { AlarmSection, ArmMode, Command, ZoneSection } from "./protocol.js";

const MODES: { mode: ArmMode; label: string }[] = [
  { mode: "away", label: "Away" },
  { mode: "home", label: "Home" },
  { mode: "night", label: "Night" },
];

const DIGITS = ["1", "2", "3", "4", "5", "6", "7", "8", "9"];

/** How long the alarm's answer stays under the keypad. */
const NOTICE_MS = 30_000;

export function Keypad(props: {
  alarm: AlarmSection | null;
  zones: Record<string, ZoneSection>;
  may: (cmd: Command) => boolean;
  send: Send;
  live: boolean;
  serverNowMs: number;
}) {
  const { alarm, may, live } = props;
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [bypassOnArm, setBypassOnArm] = useState(false);
  const [chosen, setChosen] = useState<string[]>([]);
  const [confirmPanic, setConfirmPanic] = useState(false);
  const yesPanic = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirmPanic) yesPanic.current?.focus();
  }, [confirmPanic]);
  // The alarm's answer is news for a while, not for ever: after a reconnect or half a minute it
  // would describe a state the alarm may have left (the panel above shows the current one).
  useEffect(() => {
    if (notice === null) return;
    const timer = setTimeout(() => setNotice(null), NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice]);
  useEffect(() => {
    if (!live) setNotice(null);
  }, [live]);

  const lockedUntil = alarm?.lockout_until != null ? Date.parse(alarm.lockout_until) : NaN;
  const locked = lockedUntil > props.serverNowMs;
  const reasonFor = (cmd: Command, needsCode: boolean): string | null => {
    if (!may(cmd)) return `Your role may not ${cmd}.`;
    if (!live) return "Not connected: wait for the connection to come back.";
    if (busy) return "Waiting for the answer…";
    if (needsCode && locked) return `Code entry is locked until ${formatWhen(lockedUntil, props.serverNowMs)}.`;
    if (needsCode && code === "") return "Enter the code first.";
    return null;
  };

  const submit = async (cmd: Command, args: Record<string, unknown>, done: string) => {
    setBusy(true);
    setNotice(null);
    // The code leaves this component in the request and is forgotten here at once.
    const outcome = await props.send(cmd, cmd === "panic" ? args : { ...args, code });
    setCode("");
    setBusy(false);
    setNotice(outcome.ok ? { ok: true, text: done } : { ok: false, text: outcome.message });
  };

  const press = (digit: string) => setCode((current) => (current.length < 12 ? current + digit : current));
  const openZones = alarm?.open_zones ?? [];
  const armReason = reasonFor("arm", true);
  const disarmReason = reasonFor("disarm", true);
  const bypassReason = chosen.length === 0 && reasonFor("bypass", true) === null ? "Choose zones to bypass." : reasonFor("bypass", true);
  const panicReason = reasonFor("panic", false);
  const why = [armReason, disarmReason].find((reason) => reason !== null) ?? null;

  return (
    <Panel id="keypad" title="Keypad">
      <form class="keypad" onSubmit={(event) => event.preventDefault()}>
        <label for="code">Code</label>
        <input
          id="code"
          type="password"
          inputMode="numeric"
          autocomplete="off"
          pattern="[0-9]*"
          maxLength={12}
          value={code}
          onInput={(event) => setCode(event.currentTarget.value.replace(/\D/g, "").slice(0, 12))}
        />
        <div class="digits" role="group" aria-label="Digits">
          {DIGITS.map((digit) => (
            <button type="button" key={digit} onClick={() => press(digit)}>
              {digit}
            </button>
          ))}
          <button type="button" onClick={() => setCode("")} aria-label="Clear the code">
            Clear
          </button>
          <button type="button" onClick={() => press("0")}>
            0
          </button>
          <button type="button" onClick={() => setCode((current) => current.slice(0, -1))} aria-label="Delete the last digit">
            ⌫
          </button>
        </div>
        <div class="actions" role="group" aria-label="Arm or disarm">
          {MODES.map(({ mode, label }) => (
            <button
              type="button"
              key={mode}
              class="arm"
              disabled={armReason !== null}
              aria-describedby="keypad-why"
              onClick={() =>
                void submit(
                  "arm",
                  bypassOnArm ? { mode, bypass: true } : { mode },
                  `Arming ${label.toLowerCase()}: the alarm took the code.`,
                )
              }
            >
              {label}
            </button>
          ))}
          <button
            type="button"
            class="disarm"
            disabled={disarmReason !== null}
            aria-describedby="keypad-why"
            onClick={() => void submit("disarm", {}, "Disarmed: the alarm took the code.")}
          >
            Disarm
          </button>
        </div>
        <p id="keypad-why" class="hint">
          {why ?? ""}
        </p>
        {may("bypass") && (
          <fieldset class="bypass">
            <legend>Bypass (admin)</legend>
            <label class="check">
              <input type="checkbox" checked={bypassOnArm} onChange={(event) => setBypassOnArm(event.currentTarget.checked)} />
              Arm with the open zones bypassed
            </label>
            {openZones.length === 0 ? (
              <p class="hint">No zone is open.</p>
            ) : (
              <>
                {openZones.map((zone) => (
                  <label class="check" key={zone}>
                    <input
                      type="checkbox"
                      checked={chosen.includes(zone)}
                      onChange={(event) =>
                        setChosen((current) => (event.currentTarget.checked ? [...current, zone] : current.filter((z) => z !== zone)))
                      }
                    />
                    {zone} ({props.zones[zone]?.type ?? "zone"})
                  </label>
                ))}
                <button
                  type="button"
                  disabled={bypassReason !== null}
                  aria-describedby="bypass-why"
                  onClick={() => void submit("bypass", { zones: chosen }, `Bypassed ${chosen.join(", ")}.`).then(() => setChosen([]))}
                >
                  Bypass chosen zones
                </button>
                <p id="bypass-why" class="hint">
                  {bypassReason ?? ""}
                </p>
              </>
            )}
          </fieldset>
        )}
        {may("panic") && (
          <div class="panic">
            {!confirmPanic ? (
              <button type="button" class="danger" disabled={panicReason !== null} onClick={() => setConfirmPanic(true)}>
                Panic…
              </button>
            ) : (
              <div role="group" aria-labelledby="panic-ask">
                <p id="panic-ask">Sound the alarm now?</p>
                <button
                  type="button"
                  class="danger"
                  ref={yesPanic}
                  disabled={panicReason !== null}
                  onClick={() => {
                    setConfirmPanic(false);
                    void submit("panic", {}, "Panic sent: the alarm is sounding.");
                  }}
                >
                  Yes, panic
                </button>{" "}
                <button type="button" onClick={() => setConfirmPanic(false)}>
                  Cancel
                </button>
              </div>
            )}
          </div>
        )}
        <NoticeLine notice={notice} />
      </form>
    </Panel>
  );
}
