import { accessSync, constants, existsSync } from "node:fs";
import { join } from "node:path";
import type * as I2c from "i2c-bus";
import { errnoCode, HalError } from "./errors.js";
import { loadNative } from "./load-native.js";
import type { I2cBus } from "./types.js";

const ENABLE_I2C_HINT = "enable I2C: sudo raspi-config nonint do_i2c 0 (or dtparam=i2c_arm=on in /boot/firmware/config.txt) and reboot";
const I2C_GROUP_HINT = "add the user to the i2c group (sudo usermod -aG i2c $USER) and log in again";

/**
 * Opens `/dev/i2c-<busNumber>` with i2c-bus. `devRoot` is where the device is looked for
 * first (i2c-bus itself always opens `/dev/i2c-N`, at the first transfer), so a missing bus
 * or a missing permission is said at open, with a hint, rather than as ENOENT mid-run.
 */
export async function openLinuxI2c(busNumber: number, devRoot = "/dev"): Promise<I2cBus> {
  if (!Number.isInteger(busNumber) || busNumber < 0)
    throw new HalError("NO_I2C_BUS", `expected an I2C bus number (0, 1, …), got ${busNumber}`);
  const device = join(devRoot, `i2c-${busNumber}`);
  if (!existsSync(device)) throw new HalError("NO_I2C_BUS", `no I2C bus ${device}`, ENABLE_I2C_HINT);
  try {
    accessSync(device, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw new HalError("PERMISSION_DENIED", `permission denied opening ${device}`, I2C_GROUP_HINT, { cause: error });
  }
  const i2c = loadNative<typeof I2c>("i2c-bus");
  return explained(await i2c.openPromisified(busNumber), busNumber);
}

/** The bus with its open-time errors explained; a chip's own errors (EREMOTEIO, EIO) pass unchanged. */
function explained(bus: I2c.PromisifiedBus, busNumber: number): I2cBus {
  const wrap =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args);
      } catch (error) {
        throw explain(error, busNumber);
      }
    };
  return {
    readByte: wrap((address, command) => bus.readByte(address, command)),
    writeByte: wrap((address, command, byte) => bus.writeByte(address, command, byte)),
    readWord: wrap((address, command) => bus.readWord(address, command)),
    readI2cBlock: wrap((address, command, length, buffer) => bus.readI2cBlock(address, command, length, buffer)),
    writeI2cBlock: wrap((address, command, length, buffer) => bus.writeI2cBlock(address, command, length, buffer)),
    i2cRead: wrap((address, length, buffer) => bus.i2cRead(address, length, buffer)),
    i2cWrite: wrap((address, length, buffer) => bus.i2cWrite(address, length, buffer)),
    close: () => bus.close(),
  };
}

function explain(error: unknown, busNumber: number): unknown {
  const code = errnoCode(error);
  if (code === "ENOENT") return new HalError("NO_I2C_BUS", `no I2C bus /dev/i2c-${busNumber}`, ENABLE_I2C_HINT, { cause: error });
  if (code === "EACCES" || code === "EPERM")
    return new HalError("PERMISSION_DENIED", `permission denied opening /dev/i2c-${busNumber}`, I2C_GROUP_HINT, { cause: error });
  return error;
}
