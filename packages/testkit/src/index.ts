export { type DuplexPairInit, duplexPair, MemoryStream } from './duplex-pair.js'
