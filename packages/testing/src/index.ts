// Rigs that tests and benchmarks of several packages share: never used at run time.
export { formatNumber, processUsage, publishBenchReport, quantile, type BenchReport, type BenchRow } from "./bench-report.js";
export { ARMED_AWAY } from "./alarm-fixture.js";
export { BusLoad, type BusLoadOptions } from "./bus-load.js";
export { busRig, type BusRig } from "./bus-rig.js";
export { freePort } from "./free-port.js";
export { TestMpdClient, type MpdAddress } from "./mpd-client.js";
export { makeTracks, startTestMpd, type TestMpd, type TestTrack } from "./mpd-fixture.js";
export { startTestMosquitto, type TestMosquitto, type TestMosquittoOptions } from "./mosquitto-fixture.js";
export { nextMatching } from "./next-matching.js";
export { roomguard, roomguardMain, type CommandResult } from "./roomguard-command.js";
export { routerMain } from "./router-main.js";
export { vethPair, type NetSide, type VethPair } from "./veth.js";
export {
  startServiceProcess,
  watchServiceOutput,
  type LogLine,
  type ServiceProcess,
  type ServiceProcessOptions,
  type WatchedProcess,
} from "./service-process.js";
// Kept in the runtime so that the packages below this one (bus, hal) can use it too.
export { waitUntil, type Truthy, type WaitUntilOptions } from "@roomguard/runtime/testing";
