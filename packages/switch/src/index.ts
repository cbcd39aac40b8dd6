/**
 * `@switchyard/switch`: the thin coordinator of transports, upgrader, dialer, resource
 * scopes, gater and peerstore (seed 002 "Switch / Swarm"; seeds 000 and 001). See README.md.
 */
export {
  KEEP_ALIVE_TAG,
  type SwitchConfig,
  type SwitchDialerInit,
  type SwitchInit,
  switchDefaults,
  validateInit,
} from './config.js'
export type { ConnectionStats } from './connection-manager.js'
export type { SwitchDialOptions, SwitchDialTarget } from './dial-flow.js'
export {
  classifyClose,
  goodbyeCode,
  goodbyeMode,
  type ReconnectPolicy,
  type ReconnectStrategy,
  reconnectDefaults,
  reconnectDelayMs,
  reconnectStrategy,
  remoteGoodbye,
  remoteGoodbyeReason,
} from './disconnect.js'
export { SwitchError, type SwitchErrorCode } from './errors.js'
export {
  type ConnInfo,
  type StreamInfo,
  type SwitchEvent,
  type SwitchEventOf,
  SwitchEvents,
  type SwitchEventType,
  type SwitchListener,
} from './events.js'
export {
  type HealthGrade,
  type HealthInit,
  type HealthSample,
  healthDefaults,
  healthGrade,
  healthScore,
  scoreBandwidth,
  scoreLatency,
  scoreReliability,
  smoothThroughput,
  throughputSample,
  validateHealthInit,
} from './health.js'
export {
  type HandleOptions,
  handleDefaults,
  ProtocolRegistry,
  parseVersioned,
  type Registration,
} from './protocol-registry.js'
export {
  type PruneCandidate,
  type PruneRankOptions,
  rankForPruning,
  selectPruneVictims,
} from './prune-rank.js'
export { keptDirection, preferredConnection } from './simultaneous-open.js'
export type { OpenStreamOptions } from './stream-flow.js'
export { createSwitch, Switch } from './switch.js'
