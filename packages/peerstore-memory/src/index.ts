/**
 * `@switchyard/peerstore-memory`: the default, in-memory, bounded `Peerstore`
 * (libp2p connections spec, "Peer Metadata Storage"). See README.md.
 */

/** The options of `createMemoryPeerstore`, their defaults, and their validation. */
export { defaults, type MemoryPeerstoreConfig, type MemoryPeerstoreInit, validateInit } from './config.js'
/** The in-memory store, its factory, and the key it files peers under. */
export { createMemoryPeerstore, MemoryPeerstore, peerKey } from './memory-peerstore.js'
/** The mutable entries behind the store, for persistence layers that extend `MemoryPeerstore`. */
export { AddrEntry, addrKey, DialStats, PeerEntry, type TagEntry } from './peer-entry.js'
