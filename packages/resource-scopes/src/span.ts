/**
 * Spans: short-lived child scopes for reservations that belong together
 * (go-libp2p `BeginSpan`). Whatever a span reserves counts in its owner and the
 * owner's constraints; `done()` — or leaving a `using` block — releases all of it at
 * once. A span closes with its owner.
 *
 * ```ts
 * using span = stream.beginSpan()
 * span.reserveMemory(64 * 1024)   // released when the block exits, even by a throw
 * ```
 */

import type { MemoryAccount, ResourceSpan } from '@switchyard/interface'
import { UNLIMITED } from './limits.js'
import { ScopeNode } from './scope.js'

let nextSpanId = 0

/** A span of `owner`. */
export class Span extends ScopeNode implements ResourceSpan {
  constructor(owner: ScopeNode) {
    super({
      name: `${owner.name}/span-${++nextSpanId}`,
      scopeClass: 'span',
      // A span has no limits of its own: its owner's chain decides.
      limit: UNLIMITED,
      context: owner.context,
      owner,
    })
  }

  /** A nested span. */
  beginSpan(): Span {
    return new Span(this)
  }

  [Symbol.dispose](): void {
    this.done()
  }
}

/** Adapts a scope to the muxer's `MemoryAccount` (a refusal is `false`, not a throw). */
export function memoryAccountOf(
  scope: ScopeNode,
  priority: Parameters<ScopeNode['reserveMemory']>[1],
): MemoryAccount {
  return new ScopeMemoryAccount(scope, priority)
}

/**
 * A class rather than an object of two closures: one lives per connection for the
 * connection's life, and prototype methods cost nothing per instance.
 */
class ScopeMemoryAccount implements MemoryAccount {
  readonly #scope: ScopeNode
  readonly #priority: Parameters<ScopeNode['reserveMemory']>[1]

  constructor(scope: ScopeNode, priority: Parameters<ScopeNode['reserveMemory']>[1]) {
    this.#scope = scope
    this.#priority = priority
  }

  reserveMemory(bytes: number): boolean {
    try {
      this.#scope.reserveMemory(bytes, this.#priority)
      return true
    } catch (err) {
      if (err instanceof RangeError || err instanceof TypeError) throw err
      return false
    }
  }

  releaseMemory(bytes: number): void {
    this.#scope.releaseMemory(bytes)
  }
}
