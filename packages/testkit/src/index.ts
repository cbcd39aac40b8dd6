export { type DuplexPairInit, duplexPair, MemoryStream } from './duplex-pair.js'
export { runTransportSuite, type TransportSuiteInit } from './transport-suite.js'
