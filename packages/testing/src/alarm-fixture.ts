// The alarm's state as `ALARM: armed_away {…}` publishes it (docs/protocol.md): for tests and benchmarks that play the alarm.
export const ARMED_AWAY = {
  mode: "away",
  next_state: null,
  delay_s: null,
  ends_at: null,
  changed_by: "alice",
  open_zones: [],
  bypassed: [],
  shut_down: [],
  troubles: {},
  memory: [],
  lockout_until: null,
};
