/**
 * What the parts of the switch share (the pool, the flows, the connection manager):
 * its identity, validated numbers, peerstore, resource manager, events, clock, the
 * shutdown signal, and where errors without a caller go. One owner: the `Switch`,
 * whose `close()` is the only caller of `markClosed()`.
 */
import type { PeerId, Peerstore, ResourceManager, Transport } from '@switchyard/interface'
import type { SwitchConfig } from './config.js'
import { SwitchError } from './errors.js'
import type { SwitchEvents } from './events.js'

/** The multicodec of `/p2p/<peer id>` (multiaddr table). */
export const P2P_CODE = 421

/** What a `SwitchContext` is made of. */
export interface SwitchContextInit {
  readonly peerId: PeerId
  readonly config: SwitchConfig
  readonly peerstore: Peerstore
  readonly resourceManager: ResourceManager
  readonly events: SwitchEvents
  readonly now: () => number
  readonly onError: ((err: unknown) => void) | undefined
}

/** The state every part of one switch shares. */
export class SwitchContext {
  readonly peerId: PeerId
  readonly config: SwitchConfig
  readonly peerstore: Peerstore
  readonly resourceManager: ResourceManager
  readonly events: SwitchEvents
  readonly now: () => number
  /**
   * Aborts every dial, upgrade and ping in progress when the switch closes. Operations
   * that run once per connection take a `linkedSignal()` instead of adding a listener of
   * their own to this long-lived signal.
   */
  readonly shutdown = new AbortController()
  readonly #onError: ((err: unknown) => void) | undefined
  #closed = false
  /** The controllers of `linkedSignal()` still in use; the shutdown's one listener aborts them. */
  readonly #linked = new Set<AbortController>()

  constructor(init: SwitchContextInit) {
    this.peerId = init.peerId
    this.config = init.config
    this.peerstore = init.peerstore
    this.resourceManager = init.resourceManager
    this.events = init.events
    this.now = init.now
    this.#onError = init.onError
    // The only listener on the shutdown signal, however many operations follow it.
    this.shutdown.signal.addEventListener(
      'abort',
      () => {
        const reason = this.shutdown.signal.reason
        for (const c of [...this.#linked]) c.abort(reason)
        this.#linked.clear()
      },
      { once: true },
    )
  }

  /**
   * A signal for one operation (an inbound upgrade, a ping) that aborts with the
   * shutdown, and `done` to call when the operation settles. It adds no listener to
   * the shutdown signal (one per connection would trip Node's
   * MaxListenersExceededWarning past 10 and hold one closure per operation): a set
   * entry, released by `done`.
   */
  linkedSignal(): { signal: AbortSignal; done: () => void } {
    const controller = new AbortController()
    if (this.shutdown.signal.aborted) {
      controller.abort(this.shutdown.signal.reason)
      return { signal: controller.signal, done: () => {} }
    }
    this.#linked.add(controller)
    return { signal: controller.signal, done: () => this.#linked.delete(controller) }
  }

  /** Operations holding a `linkedSignal()` right now (for tests: it returns to 0). */
  get linkedSignals(): number {
    return this.#linked.size
  }

  /** True once the switch started closing. */
  get closed(): boolean {
    return this.#closed
  }

  /** The switch started closing (once; never reverts). */
  markClosed(): void {
    this.#closed = true
  }

  /** Throws `SWITCH_CLOSED` once the switch is closing. */
  checkOpen(): void {
    if (this.#closed) throw new SwitchError('SWITCH_CLOSED', 'the switch is closed')
  }

  /** Errors that have no caller to go to. */
  reportError(err: unknown): void {
    try {
      this.#onError?.(err)
    } catch {
      // onError must not throw; if it does, there is nobody left to tell.
    }
  }

  /** Runs `fn` (a peerstore update, typically), reporting what it throws. */
  safe(fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.reportError(err)
    }
  }
}

/** Whether connections of `transport` hold a file descriptor (resource accounting). */
export function usesFd(transport: Transport): boolean {
  return transport.name !== 'memory'
}
