export { bindOrExplain } from "./bind.js";
export { BusClient, RouterUnreachableError, type BusClientOptions, type RawMessage } from "./client.js";
export { serveControl, type ControlOptions } from "./control.js";
export { connectAddress, whyUnreachable } from "./endpoints.js";
export { watchSocketEvents } from "./socket-events.js";
export { startHeartbeat, type HeartbeatOptions } from "./heartbeat.js";
export {
  checkMessage,
  DEFAULT_MAX_MESSAGE_SIZE,
  formatMessage,
  MessageError,
  parseMessage,
  preview,
  TOPIC_PATTERN,
  topicPrefix,
  type BusMessage,
  type MessageErrorCode,
  type ParseResult,
} from "./message.js";
export { request, type RequestOptions } from "./request.js";
export {
  isServerErrorCode,
  MAX_REQUEST_ID_LENGTH,
  parseReply,
  parseRequest,
  RequestError,
  RequestRefused,
  type ReplyMessage,
  type RequestErrorCode,
  type RequestMessage,
  type ServerErrorCode,
} from "./requests.js";
export {
  answerRequest,
  serveRequests,
  type RequestHandler,
  type RequestHandlers,
  type RequestServer,
  type ServeRequestsOptions,
} from "./serve-requests.js";
export { SENSOR_SIGNAL_TOPICS, sensorSignal, type SensorSignal } from "./sensor-signals.js";
export {
  ALARM_STATES,
  alarmEventOf,
  alarmStateOf,
  ARM_MODES,
  MAX_PAYLOAD_ITEMS,
  MAX_PAYLOAD_TEXT,
  musicStateOf,
  type AlarmEventPayload,
  type AlarmStateName,
  type AlarmStatePayload,
  type ArmModeName,
  type MusicStatePayload,
} from "./state-payloads.js";
export {
  parseSim,
  serveSim,
  simGpioMessage,
  simLevelMessage,
  simPressMessage,
  simReadMessage,
  type SimCommand,
  type SimMessage,
  type SimOutput,
  type SimServeOptions,
} from "./sim.js";
export { Subscription } from "./subscription.js";
export {
  controlMessage,
  heartbeatMessage,
  KEY_NAME_PATTERN,
  keyMessage,
  parseControl,
  parseKey,
  parseSubject,
  SERVICE_NAME_PATTERN,
  subjectMessage,
  Topic,
  type ControlCommand,
  type HeartbeatPayload,
  type TopicName,
} from "./topics.js";
export { AllowList, type AllowListChange } from "./allow-list.js";
export {
  allowedDir,
  allowKey,
  createKeyPair,
  HOST_KEY,
  isZ85Key,
  KEY_NAME_PATTERN as CURVE_KEY_NAME_PATTERN,
  keyFingerprint,
  KeyFileError,
  publicKeyFile,
  readAllowed,
  readKeyPair,
  readPublicKey,
  revokeKey,
  ROUTER_KEY,
  secretKeyFile,
  z85Encode,
  type AllowedKey,
  type CurvePair,
} from "./curve-keys.js";
export {
  curveKeyIssue,
  hostClientKeys,
  keysDirOf,
  needsCurve,
  routerServerKeys,
  setBeforeNextBind,
  useCurveClient,
  useCurveServer,
  usePlainServer,
  ZAP_DOMAIN,
  type CurveClientKeys,
} from "./curve.js";
export { serveZap, type ZapHandler, type ZapOptions } from "./zap.js";
export { busClientFor, busKeysFor } from "./client-for-config.js";
