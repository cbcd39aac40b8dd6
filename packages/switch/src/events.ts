/**
 * The switch's lifecycle events (seed 002 "Connection Events"; the connections spec,
 * "Connection Lifecycle Events" in seed 000): `connected`, `disconnected`,
 * `stream:opened`, `stream:closed`, `listen`, `listen:close`. Delivered synchronously,
 * in the order they happen; a listener that throws does not disturb the switch.
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Direction, DisconnectReason, PeerId } from '@switchyard/interface'

/** What the events say about a connection (seed 002: direction, addresses, security, muxer). */
export interface ConnInfo {
  /** The connection's process-unique id. */
  readonly id: string
  readonly remotePeer: PeerId
  readonly direction: Direction
  readonly remoteAddr: Multiaddr
  readonly localAddr: Multiaddr
  /** The security protocol id, e.g. `/noise`. */
  readonly security: string
  /** The muxer protocol id, e.g. `/yamux/1.0.0`. */
  readonly muxer: string
}

/** What the events say about a stream (seed 002: id, protocol, direction). */
export interface StreamInfo {
  /** The muxer's id of the stream, unique within its connection. */
  readonly id: number
  readonly protocol: string
  readonly direction: Direction
}

/** The events, by type. */
export type SwitchEvent =
  | { readonly type: 'connected'; readonly peer: PeerId; readonly conn: ConnInfo }
  | {
      readonly type: 'disconnected'
      readonly peer: PeerId
      readonly conn: ConnInfo
      /** Why the connection closed (seed 001 §4.3). */
      readonly reason: DisconnectReason
      /** The error it closed with, if any. */
      readonly error: Error | undefined
    }
  | {
      readonly type: 'stream:opened'
      readonly peer: PeerId
      readonly conn: ConnInfo
      readonly stream: StreamInfo
    }
  | {
      readonly type: 'stream:closed'
      readonly peer: PeerId
      readonly conn: ConnInfo
      readonly stream: StreamInfo
      readonly error: Error | undefined
    }
  | { readonly type: 'listen'; readonly addr: Multiaddr }
  | { readonly type: 'listen:close'; readonly addr: Multiaddr; readonly error: Error | undefined }

/** The type names of {@link SwitchEvent}. */
export type SwitchEventType = SwitchEvent['type']

/** The event of one type. */
export type SwitchEventOf<T extends SwitchEventType> = Extract<SwitchEvent, { type: T }>

/** A listener of one event type. */
export type SwitchListener<T extends SwitchEventType> = (event: SwitchEventOf<T>) => void

/** A tiny synchronous, typed emitter (one array of listeners per type). */
export class SwitchEvents {
  readonly #listeners = new Map<SwitchEventType, Array<(event: SwitchEvent) => void>>()
  /** Errors thrown by listeners are reported here instead of unwinding into the switch. */
  readonly #onListenerError: (err: unknown) => void

  constructor(onListenerError: (err: unknown) => void = () => {}) {
    this.#onListenerError = onListenerError
  }

  /** Subscribe; returns the function that unsubscribes. */
  on<T extends SwitchEventType>(type: T, listener: SwitchListener<T>): () => void {
    const fn = listener as (event: SwitchEvent) => void
    let list = this.#listeners.get(type)
    if (list === undefined) {
      list = []
      this.#listeners.set(type, list)
    }
    list.push(fn)
    return () => {
      const current = this.#listeners.get(type)
      if (current === undefined) return
      const i = current.indexOf(fn)
      if (i !== -1) current.splice(i, 1)
    }
  }

  /** True when someone listens to `type` (so the caller can skip building the event). */
  has(type: SwitchEventType): boolean {
    return (this.#listeners.get(type)?.length ?? 0) > 0
  }

  emit(event: SwitchEvent): void {
    const list = this.#listeners.get(event.type)
    if (list === undefined || list.length === 0) return
    for (const fn of list.slice()) {
      try {
        fn(event)
      } catch (err) {
        this.#onListenerError(err)
      }
    }
  }

  /** Drops every listener (on close). */
  clear(): void {
    this.#listeners.clear()
  }
}
