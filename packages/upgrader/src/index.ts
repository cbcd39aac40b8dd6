/**
 * `@switchyard/upgrader`: raw connection → secure, multiplexed `Connection`
 * (seed 002 "Connection Upgrading Pipeline"; libp2p connections spec).
 */
export { UpgradeError, type UpgradeErrorCode, type UpgradeStep } from './errors.js'
export { UpgradedConnection, type UpgradedConnectionInit } from './upgraded-connection.js'
export {
  createUpgrader,
  defaults,
  type UpgradeOptions,
  type Upgrader,
  type UpgraderInit,
} from './upgrader.js'
