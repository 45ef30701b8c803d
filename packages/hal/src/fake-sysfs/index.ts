// Test rig: a fake /sys/class/gpio over FUSE in a private mount namespace, so unmodified
// onoff runs against it (export, direction, epoll edge interrupts, debounce).
export { buildFakeGpio } from "./build.js";
export { CHIP_LAYOUTS, mountFakeGpio, type FakeGpio, type FakeGpioChip, type FakeGpioOptions } from "./mount.js";
export { inPrivateMountNamespace, runInPrivateMountNamespace } from "./namespace.js";
