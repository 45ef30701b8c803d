import type { DigitalOutput, Hal, Level } from "@roomguard/hal";
import type { BuzzerPattern } from "./buzzer-pattern.js";
import type { Clock, TimerHandle } from "@roomguard/runtime";
import type { AlarmConfig } from "./types.js";

/** One output pin as the alarm drives it, with the level it last wrote (a hal output cannot be read back). */
interface Driven {
  pin: number;
  purpose: string;
  output: DigitalOutput;
  level: Level;
}

/**
 * The siren and the buzzer. The siren is on while `siren` says so; the buzzer plays the pattern
 * that `pattern()` gives at the start of each beep, so it speeds up as a countdown runs out. One pin
 * may be both: the siren then wins.
 */
export class AlarmOutputs {
  private readonly siren: Driven | undefined;
  private readonly buzzer: Driven | undefined;
  private sirenOn = false;
  private beeping: TimerHandle | undefined;
  private playing: BuzzerPattern | null = null;
  private readonly failures: string[] = [];

  constructor(
    hal: Hal,
    config: Pick<AlarmConfig, "siren" | "buzzer">,
    private readonly clock: Clock,
    private readonly pattern: () => BuzzerPattern | null,
  ) {
    // A siren that cannot be driven (a pin busy, no permission) must not stop the alarm: it works
    // on without it, and says so (problem()).
    const open = (pin: number, activeLow: boolean, purpose: string): Driven | undefined => {
      try {
        return { pin, purpose, output: hal.openOutput(pin, { initial: 0, activeLow }), level: 0 };
      } catch (error) {
        this.failures.push(`cannot drive the ${purpose} on BCM ${pin}: ${(error as Error).message}`);
        return undefined;
      }
    };
    const { siren, buzzer } = config;
    this.siren = siren.pin === null ? undefined : open(siren.pin, siren.activeLow, siren.pin === buzzer.pin ? "siren and buzzer" : "siren");
    this.buzzer = buzzer.pin === null ? undefined : buzzer.pin === siren.pin ? this.siren : open(buzzer.pin, buzzer.activeLow, "buzzer");
  }

  /** Why an output could not be opened, for the heartbeat's problem; undefined when all could. */
  problem(): string | undefined {
    return this.failures.length === 0 ? undefined : this.failures.join("; ");
  }

  /** Every pin driven, and what for (`roomguard sim read` names them). */
  pins(): { pin: number; purpose: string }[] {
    return [this.siren, this.buzzer]
      .filter((driven, i, all): driven is Driven => driven !== undefined && all.indexOf(driven) === i)
      .map(({ pin, purpose }) => ({ pin, purpose }));
  }

  /** Sets the siren, and starts the buzzer if a pattern applies now (it stops by itself when none does). */
  update(sirenOn: boolean): void {
    this.sirenOn = sirenOn;
    if (this.siren) this.write(this.siren, sirenOn ? 1 : 0);
    // A new pattern (the exit delay became an entry delay, or ended) starts now, not after the beat that runs.
    const pattern = this.pattern();
    if (this.beeping !== undefined && !samePattern(pattern, this.playing)) {
      this.clock.clearTimeout(this.beeping);
      this.beeping = undefined;
    }
    if (this.beeping === undefined) this.beep();
  }

  close(): void {
    if (this.beeping !== undefined) this.clock.clearTimeout(this.beeping);
    this.beeping = undefined;
    for (const driven of [this.siren, this.buzzer]) if (driven) driven.output.close();
  }

  /** One beep cycle: on for onMs, off for offMs, then the pattern is asked again. */
  private beep(): void {
    const buzzer = this.buzzer;
    const pattern = buzzer === undefined || this.sirenShares(buzzer) ? null : this.pattern();
    this.playing = pattern;
    if (buzzer === undefined || pattern === null) {
      this.beeping = undefined;
      if (buzzer && !this.sirenShares(buzzer)) this.write(buzzer, 0);
      return;
    }
    this.write(buzzer, 1);
    this.beeping = this.clock.setTimeout(() => {
      if (!this.sirenShares(buzzer)) this.write(buzzer, 0);
      this.beeping = this.clock.setTimeout(() => this.beep(), pattern.offMs);
    }, pattern.onMs);
  }

  /** The siren sounds on the buzzer's pin: the buzzer keeps off it. */
  private sirenShares(buzzer: Driven): boolean {
    return buzzer === this.siren && this.sirenOn;
  }

  private write(driven: Driven, level: Level): void {
    if (driven.level === level) return;
    try {
      driven.output.write(level);
      driven.level = level;
    } catch (error) {
      // A pin that fails (EIO from sysfs) must not take the alarm's state change with it: said, and tried again next time.
      const problem = `cannot drive the ${driven.purpose} on BCM ${driven.pin}: ${(error as Error).message}`;
      if (!this.failures.includes(problem)) this.failures.push(problem);
    }
  }
}

function samePattern(a: BuzzerPattern | null, b: BuzzerPattern | null): boolean {
  return a?.onMs === b?.onMs && a?.offMs === b?.offMs;
}
