export { MemoryConnection, type MemoryConnectionInit, memoryConnectionPair } from './memory-connection.js'
export {
  defaultMemoryNetwork,
  defaults,
  type MemoryInit,
  MemoryNetwork,
  MemoryTransport,
  memory,
} from './memory-transport.js'
