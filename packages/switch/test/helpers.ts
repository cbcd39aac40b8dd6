import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import type { PeerId, StreamHandler, Transport } from '@switchyard/interface'
import { createNoise } from '@switchyard/noise'
import { generateKeyPair, type PrivateKey, peerIdFromPrivateKey } from '@switchyard/peer-id'
import { createResourceManager, type ScopedResourceManager } from '@switchyard/resource-scopes'
import { MemoryNetwork, memory } from '@switchyard/transport-memory'
import { tcp } from '@switchyard/transport-tcp'
import { createYamux } from '@switchyard/yamux'
import { createSwitch, type Switch, type SwitchInit } from '../src/index.js'

export type Kind = 'memory' | 'tcp'

let names = 0

/** A test network: switches of one kind that can reach each other. */
export class TestNet {
  readonly kind: Kind
  readonly network = new MemoryNetwork()
  readonly switches: Switch[] = []
  readonly errors: unknown[] = []

  constructor(kind: Kind) {
    this.kind = kind
  }

  transport(): Transport {
    return this.kind === 'memory' ? memory({ network: this.network }) : tcp()
  }

  listenAddr(): Multiaddr {
    return this.kind === 'memory' ? multiaddr(`/memory/switch-${++names}`) : multiaddr('/ip4/127.0.0.1/tcp/0')
  }

  /** A switch with noise + yamux and a resource manager the test can inspect. */
  make(init: Partial<SwitchInit> & { privateKey?: PrivateKey } = {}): {
    sw: Switch
    peerId: PeerId
    rm: ScopedResourceManager
    privateKey: PrivateKey
  } {
    const privateKey = init.privateKey ?? generateKeyPair()
    const peerId = peerIdFromPrivateKey(privateKey)
    const rm = (init.resourceManager as ScopedResourceManager | undefined) ?? createResourceManager()
    const sw = createSwitch({
      peerId,
      transports: [this.transport()],
      security: [createNoise({ privateKey })],
      muxers: [createYamux()],
      resourceManager: rm,
      onError: (err) => this.errors.push(err),
      goodbyeTimeoutMs: 1_000,
      ...init,
    })
    this.switches.push(sw)
    return { sw, peerId, rm, privateKey }
  }

  /** A listening switch; `addr` includes `/p2p/<id>`. */
  async listening(init: Partial<SwitchInit> & { privateKey?: PrivateKey; at?: Multiaddr } = {}) {
    const node = this.make(init)
    const [bound] = await node.sw.listen(init.at ?? this.listenAddr())
    return { ...node, addr: bound!.encapsulate(`/p2p/${node.peerId.toString()}`), bound: bound! }
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.switches.map((s) => s.close()))
  }
}

/** Echo handler: writes back what it reads, then ends. */
export const echo: StreamHandler = ({ stream }) => {
  stream.setSink({
    onData(chunk) {
      if (!stream.write(chunk)) {
        stream.pause()
        stream.onceDrain(() => stream.resume())
      }
    },
    onEnd() {
      stream.end()
    },
  })
}

/** A handler that holds the stream open until the remote ends it. */
export const hold: StreamHandler = ({ stream }) => {
  stream.setSink({ onData() {}, onEnd: () => stream.end() })
}

/** True when every system resource of the manager is back to zero. */
export function isIdle(rm: ScopedResourceManager): boolean {
  const s = rm.stat()
  const u = s.system.usage
  return (
    u.memory === 0 &&
    u.fd === 0 &&
    u.connsInbound === 0 &&
    u.connsOutbound === 0 &&
    u.streamsInbound === 0 &&
    u.streamsOutbound === 0 &&
    s.connections === 0
  )
}
