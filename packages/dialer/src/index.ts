/**
 * `@switchyard/dialer`: ranked, staggered (happy eyeballs), deduplicated dialing with
 * backoff and black-hole detection (seed 002, "Dialing"; go-libp2p swarm's dial worker,
 * ranker, dial sync, backoff and limiter).
 */
export { type AddrClass, type AddrScope, classifyAddr, ipScope, type TransportKind } from './addr-class.js'
export { type BackoffInit, backoffDefaults, backoffDelayMs, DialBackoff } from './backoff.js'
export {
  type BlackHoleClass,
  BlackHoleDetector,
  type BlackHoleInit,
  type BlackHoleState,
  blackHoleDefaults,
  defaultBlackHoleClasses,
} from './black-hole.js'
export { type Clock, systemClock } from './clock.js'
export { DialDedupe, type SharedDial } from './dedupe.js'
export {
  type AttemptOutcome,
  type DialAddressFn,
  DialWorker,
  type DialWorkerInit,
  type DialWorkerResult,
} from './dial-worker.js'
export {
  type AddressFilterReason,
  createDialer,
  Dialer,
  type DialerDialOptions,
  type DialerInit,
  type DialRecord,
  type DialTarget,
  dialerDefaults,
} from './dialer.js'
export { type AddressError, DialBackoffError, DialError, type DialErrorCode } from './errors.js'
export { DialLimiter, type Release } from './limiter.js'
export { ManualClock, settleTasks } from './manual-clock.js'
export {
  type RankCandidate,
  type RankInit,
  rankAddresses,
  rankDefaults,
  type ScheduledDial,
  validateRankInit,
} from './rank.js'
