/** BME280 registers and values (Bosch BST-BME280-DS002, section 5.3 "Memory map"). */
export const Register = {
  /** Calibration words T1..T3, P1..P9 (0x88-0x9F) and H1 (0xA1): section 4.2.2, table 16. */
  CALIB_TP: 0x88,
  CALIB_H1: 0xa1,
  /** Chip id: 0x60 for a BME280 (5.4.1). */
  ID: 0xd0,
  /** Writing 0xB6 resets the chip (5.4.2). */
  RESET: 0xe0,
  /** Calibration H2..H6 (0xE1-0xE7). */
  CALIB_H2: 0xe1,
  /** Humidity oversampling; takes effect at the next write of CTRL_MEAS (5.4.3). */
  CTRL_HUM: 0xf2,
  /** Bit 3 `measuring` is set while a conversion runs (5.4.4). */
  STATUS: 0xf3,
  /** Temperature and pressure oversampling, and the mode (5.4.5). */
  CTRL_MEAS: 0xf4,
  CONFIG: 0xf5,
  /** press_msb … hum_lsb: 8 bytes read in one burst so they belong to one conversion (5.4.7-5.4.9). */
  DATA: 0xf7,
} as const;

export const CHIP_ID = 0x60;
export const STATUS_MEASURING = 0x08;
/** osrs_t = x1, osrs_p = x1, mode = forced (01): one conversion, then back to sleep. */
export const CTRL_MEAS_FORCED_X1 = (0b001 << 5) | (0b001 << 2) | 0b01;
/** osrs_h = x1. */
export const CTRL_HUM_X1 = 0b001;
/** A forced conversion at x1 oversampling takes at most 9.3 ms (datasheet 9.1). */
export const MAX_CONVERSION_MS = 10;
