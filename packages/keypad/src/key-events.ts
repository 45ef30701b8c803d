/** Where a key source reports debounced presses and releases. */
export interface KeyEvents {
  pressed(name: string): void;
  released(name: string): void;
}
