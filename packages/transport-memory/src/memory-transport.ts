/**
 * An in-process transport on `/memory/<name>` addresses: listeners register a name
 * in a `MemoryNetwork`, dials look it up and get a connected pair of byte streams.
 * For tests, and for users' tests of code built on Switchyard.
 */
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import {
  type AbortOptions,
  type DialOptions,
  type Listener,
  type ListenerEvents,
  type RawConnection,
  type Transport,
  TransportError,
  throwIfAborted,
} from '@switchyard/interface'
import { type MemoryConnectionInit, memoryConnectionPair } from './memory-connection.js'

const CODE_MEMORY = 777

/** A namespace of memory listeners. Transports on the same network can reach each other. */
export class MemoryNetwork {
  readonly #listeners = new Map<string, MemoryListener>()
  #dialCount = 0

  /** Names listened on right now. */
  get names(): string[] {
    return [...this.#listeners.keys()]
  }

  /** @internal */
  register(name: string, listener: MemoryListener): boolean {
    if (this.#listeners.has(name)) return false
    this.#listeners.set(name, listener)
    return true
  }

  /** @internal */
  unregister(name: string, listener: MemoryListener): void {
    if (this.#listeners.get(name) === listener) this.#listeners.delete(name)
  }

  /** @internal */
  lookup(name: string): MemoryListener | undefined {
    return this.#listeners.get(name)
  }

  /** @internal A fresh local address for a dialer. */
  nextDialerAddr(): Multiaddr {
    return multiaddr(`/memory/dialer-${++this.#dialCount}`)
  }
}

/** The network transports share unless given their own. */
export const defaultMemoryNetwork = new MemoryNetwork()

/** Options of `memory()`. */
export interface MemoryInit extends MemoryConnectionInit {
  /** The namespace of listeners. Default: `defaultMemoryNetwork`, shared within the process. */
  network?: MemoryNetwork
}

/** The defaults of `MemoryInit`. */
export const defaults = {
  writableHighWaterMark: 64 * 1024,
  readableHighWaterMark: 64 * 1024,
} as const satisfies MemoryConnectionInit

function validate(init: MemoryInit): Required<MemoryConnectionInit> & { network: MemoryNetwork } {
  const writableHighWaterMark = init.writableHighWaterMark ?? defaults.writableHighWaterMark
  const readableHighWaterMark = init.readableHighWaterMark ?? defaults.readableHighWaterMark
  for (const [key, v] of [
    ['writableHighWaterMark', writableHighWaterMark],
    ['readableHighWaterMark', readableHighWaterMark],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`MemoryInit.${key} must be an integer >= 1`)
  }
  return { writableHighWaterMark, readableHighWaterMark, network: init.network ?? defaultMemoryNetwork }
}

/** Creates the in-process transport. */
export function memory(init: MemoryInit = {}): MemoryTransport {
  return new MemoryTransport(init)
}

/** The in-process transport (see `memory()`). */
export class MemoryTransport implements Transport {
  readonly name = 'memory'
  readonly #config: ReturnType<typeof validate>

  constructor(init: MemoryInit = {}) {
    this.#config = validate(init)
  }

  canDial(addr: Multiaddr): boolean {
    return memoryName(addr) !== undefined
  }

  canListen(addr: Multiaddr): boolean {
    return memoryName(addr) !== undefined
  }

  /** Connects at once; `timeoutMs` is accepted for the interface and never reached. */
  async dial(addr: Multiaddr, options: DialOptions = {}): Promise<RawConnection> {
    throwIfAborted(options.signal)
    const addrString = addr.toString()
    const name = memoryName(addr)
    if (name === undefined)
      throw new TransportError('TRANSPORT_ADDR_UNSUPPORTED', addrString, 'not a /memory address')
    const listener = this.#config.network.lookup(name)
    if (listener === undefined) {
      throw new TransportError('TRANSPORT_CONNECTION_REFUSED', addrString, 'nothing listens on this address')
    }
    const [outbound, inbound] = memoryConnectionPair(this.#config.network.nextDialerAddr(), listener.addr, {
      writableHighWaterMark: this.#config.writableHighWaterMark,
      readableHighWaterMark: this.#config.readableHighWaterMark,
    })
    listener.accept(inbound)
    return outbound
  }

  async listen(addr: Multiaddr, events: ListenerEvents, options: AbortOptions = {}): Promise<Listener> {
    throwIfAborted(options.signal)
    const addrString = addr.toString()
    const name = memoryName(addr)
    if (name === undefined)
      throw new TransportError('TRANSPORT_ADDR_UNSUPPORTED', addrString, 'not a /memory address')
    const listener = new MemoryListener(this.#config.network, name, events)
    if (!this.#config.network.register(name, listener)) {
      throw new TransportError('TRANSPORT_ADDR_IN_USE', addrString, 'address already in use')
    }
    return listener
  }
}

/** A listener on one `/memory/<name>`. */
class MemoryListener implements Listener {
  readonly addr: Multiaddr
  readonly #network: MemoryNetwork
  readonly #name: string
  readonly #events: ListenerEvents

  constructor(network: MemoryNetwork, name: string, events: ListenerEvents) {
    this.#network = network
    this.#name = name
    this.#events = events
    this.addr = multiaddr(`/memory/${name}`)
  }

  accept(conn: RawConnection): void {
    try {
      this.#events.onConnection(conn)
    } catch (err) {
      conn.destroy(err instanceof Error ? err : new Error(String(err)))
    }
  }

  async close(options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    this.#network.unregister(this.#name, this)
  }
}

/** The name of a `/memory/<name>` address (a trailing `/p2p/…` is allowed), else `undefined`. */
function memoryName(addr: Multiaddr): string | undefined {
  const components = addr.getComponents()
  const first = components[0]
  if (first === undefined || first.code !== CODE_MEMORY || first.value === undefined || first.value === '') {
    return undefined
  }
  if (components.length > 2 || (components.length === 2 && components[1]!.name !== 'p2p')) return undefined
  return first.value
}
