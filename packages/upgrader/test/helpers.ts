import { multiaddr } from '@multiformats/multiaddr'
import type { ProtocolLookup, RawConnection, StreamHandler } from '@switchyard/interface'
import { createNoise } from '@switchyard/noise'
import { generateKeyPair, peerIdFromPrivateKey } from '@switchyard/peer-id'
import { MemoryNetwork, memory } from '@switchyard/transport-memory'
import { createYamux } from '@switchyard/yamux'
import { createUpgrader, type UpgraderInit } from '../src/index.js'

/** A node identity with an upgrader. */
export function makeNode(init: Partial<UpgraderInit> & { handlers?: Record<string, StreamHandler> } = {}) {
  const privateKey = generateKeyPair()
  const peerId = peerIdFromPrivateKey(privateKey)
  const handlers = new Map(Object.entries(init.handlers ?? {}))
  const protocols: ProtocolLookup = (p) => handlers.get(p)
  const upgrader = createUpgrader({
    localPeer: peerId,
    security: [createNoise({ privateKey })],
    muxers: [createYamux()],
    protocols,
    ...init,
  })
  return { privateKey, peerId, upgrader, handlers }
}

let n = 0
/** A connected pair of raw memory connections on a private network. */
export async function rawPair(): Promise<[RawConnection, RawConnection]> {
  const transport = memory({ network: new MemoryNetwork() })
  let inbound: RawConnection | undefined
  const addr = multiaddr(`/memory/upgrader-${++n}`)
  const listener = await transport.listen(addr, { onConnection: (c) => (inbound = c) })
  const outbound = await transport.dial(addr)
  await listener.close()
  return [outbound, inbound!]
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
