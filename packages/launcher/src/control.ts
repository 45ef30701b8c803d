// `@roomguard/launcher/control`: what `roomguard ctl` needs to speak to the launcher's control socket.
export { parseCommandLine, type ParsedLine } from "./command-line.js";
export {
  LAUNCHER_COMMANDS,
  SERVICE_COMMANDS,
  type HelpResult,
  type KillAllResult,
  type LauncherRequest,
  type LauncherResults,
  type ListResult,
  type QuitResult,
  type ServiceCommand,
  type ServiceMemory,
  type ServiceResult,
  type StatusResult,
} from "./control-protocol.js";
export { renderError, renderResult } from "./render.js";
