export { ResourceLimitError } from '@switchyard/interface'
export { Allowlist, type AllowlistEntry, parseAllowlistEntry } from './allowlist.js'
export {
  type AutoscaleResult,
  autoscaleDefaults,
  autoscaleInputs,
  readFdLimit,
  scaledDefaults,
  scalingTable,
} from './autoscale.js'
export { configDefaults, type ResolvedConfig, resolveConfig, validateConfig } from './config.js'
export { ConnectionScope, type ConnectionScopeInit } from './connection-scope.js'
export { type IpAddress, type IpPrefix, parseCidr, parseIp, prefixContains } from './ip.js'
export {
  type AutoscaleConfig,
  type LimitValue,
  type PressureConfig,
  type RateLimit,
  RESOURCE_KINDS,
  type ResourceLimitsConfig,
  type ScopeClass,
  type ScopeLimit,
  type ScopeLimitConfig,
  type SubnetConnLimit,
  type SubnetRateLimit,
} from './limits.js'
export {
  createResourceManager,
  type PressureEvent,
  type ResourceManagerInit,
  type ResourceStats,
  resourceManagerDefaults,
  ScopedResourceManager,
  type ScopeSnapshot,
} from './manager.js'
export { type Clock, SubnetRateLimiter, TokenBucket } from './rate-limit.js'
export { MEMORY_PRIORITY_FRACTION, type ReservationEvent, type ResourceMetrics, ScopeNode } from './scope.js'
export { Span } from './span.js'
export { StreamScope } from './stream-scope.js'
export { SubnetConnLimiter } from './subnet-limit.js'
