/**
 * Composition of gaters. A missing hook counts as "allow", as everywhere.
 *
 * - `all(a, b, …)` allows when every gater allows; the first denial decides (and is
 *   the reason).
 * - `any(a, b, …)` allows when some gater allows; when all deny, the reasons are joined.
 *   With no gaters, `all()` allows and `any()` denies.
 */

import { ALLOW, type ConnectionGater, deny, type GateVerdict } from '@switchyard/interface'

type HookName = keyof ConnectionGater
const HOOKS: readonly HookName[] = [
  'interceptPeerDial',
  'interceptAddrDial',
  'interceptAccept',
  'interceptSecured',
  'interceptUpgraded',
]

function verdictOf(gater: ConnectionGater, hook: HookName, args: unknown[]): GateVerdict {
  const fn = gater[hook] as ((...a: unknown[]) => GateVerdict) | undefined
  return fn === undefined ? ALLOW : fn.apply(gater, args)
}

function compose(
  gaters: readonly ConnectionGater[],
  combine: (hook: HookName, args: unknown[]) => GateVerdict,
) {
  for (const g of gaters) {
    if (g === null || typeof g !== 'object') throw new TypeError('every gater must be an object')
  }
  const out: Record<string, (...args: unknown[]) => GateVerdict> = {}
  for (const hook of HOOKS) out[hook] = (...args) => combine(hook, args)
  return out as ConnectionGater
}

/** Allows only when every gater allows. */
export function all(...gaters: ConnectionGater[]): ConnectionGater {
  return compose(gaters, (hook, args) => {
    for (const g of gaters) {
      const v = verdictOf(g, hook, args)
      if (!v.allow) return v
    }
    return ALLOW
  })
}

/** Allows when some gater allows. */
export function any(...gaters: ConnectionGater[]): ConnectionGater {
  return compose(gaters, (hook, args) => {
    const reasons: string[] = []
    for (const g of gaters) {
      const v = verdictOf(g, hook, args)
      if (v.allow) return ALLOW
      reasons.push(v.reason)
    }
    return deny(reasons.length === 0 ? 'no gater allows (any() of none)' : reasons.join('; '))
  })
}
