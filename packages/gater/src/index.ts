export { allowAll } from './allow-all.js'
export { type CidrBlock, CidrTable, cidrContains, ipToBytes, parseCidrBlock } from './cidr.js'
export { all, any } from './compose.js'
export { type Clock, ExpiringMap } from './expiring-map.js'
export {
  type RuleAction,
  RuleGater,
  type RuleGaterInit,
  type RuleGaterRules,
  type RuleOptions,
  type RuleRecord,
  ruleGaterDefaults,
} from './rule-gater.js'
