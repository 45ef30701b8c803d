/** Where a key source reports debounced presses and releases. */
export interface KeyEvents {
  pressed(name: string): void;
  released(name: string): void;
}

/** A key as reported: pressed, held past keypad.holdMs (`hold`), or re-sent by auto-repeat (`repeat`). */
export interface KeyPress {
  name: string;
  hold: boolean;
  repeat: boolean;
}
