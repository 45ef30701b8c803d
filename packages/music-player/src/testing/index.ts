// For tests and benchmarks: a real mpd on a free port with generated tracks. Not used at run time.
export { freePort, makeTracks, startTestMpd, type TestMpd, type TestTrack } from "./mpd-fixture.js";
export { MpdConnection } from "../mpd-connection.js";
export { pairsToRecord } from "../mpd-protocol.js";
