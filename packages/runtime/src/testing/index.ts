// For tests: not used at run time. The shared rigs are in @roomguard/testing; waitUntil is here
// so that the packages that library builds on (bus, hal) can use it in their own tests.
export { waitUntil, type Truthy, type WaitUntilOptions } from "./wait-until.js";
