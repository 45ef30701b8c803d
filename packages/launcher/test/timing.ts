/** Supervision settings for tests under a manual clock: 1 s heartbeats, hung after 3 s, restarts after 1, 2, 4, 8 s. */
export const TEST_TIMING = {
  heartbeatIntervalS: 1,
  missedHeartbeats: 3,
  startGraceS: 5,
  restartDelayS: 1,
  maxRestartDelayS: 8,
  maxRestarts: 3,
  stableS: 30,
  stopTimeoutS: 4,
} as const;
