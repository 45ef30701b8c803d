/** Boot-time settings a piece of hardware needs (config.txt lines on a Raspberry Pi). */
export interface BootNeeds {
  /** BCM pins that need the internal pull-up (`gpio=N=ip,pu`). */
  pullUp?: readonly number[];
  /** BCM pins that need the internal pull-down (`gpio=N=ip,pd`). */
  pullDown?: readonly number[];
  /** The I2C bus (`dtparam=i2c_arm=on`). */
  i2c?: boolean;
  /** A 1-Wire bus on each of these BCM pins (`dtoverlay=w1-gpio,gpiopin=N`). */
  oneWirePins?: readonly number[];
}
