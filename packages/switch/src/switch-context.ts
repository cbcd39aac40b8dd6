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
  /** Aborts every dial, upgrade and ping in progress when the switch closes. */
  readonly shutdown = new AbortController()
  readonly #onError: ((err: unknown) => void) | undefined
  #closed = false

  constructor(init: SwitchContextInit) {
    this.peerId = init.peerId
    this.config = init.config
    this.peerstore = init.peerstore
    this.resourceManager = init.resourceManager
    this.events = init.events
    this.now = init.now
    this.#onError = init.onError
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
