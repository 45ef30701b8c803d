// For other packages' tests: a real router and services around it.
export { busRig, type BusRig } from "./bus-rig.js";
