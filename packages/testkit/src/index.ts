export {
  type ByteStreamPair,
  type ByteStreamPairFactory,
  type ByteStreamSuiteOptions,
  byteStreamSuiteDefaults,
  discardSink,
  runByteStreamSuite,
} from './byte-stream-suite.js'
export {
  type DuplexPairInit,
  duplexPair,
  duplexPairDefaults,
  duplexPairFactory,
  garbage,
  MemoryStream,
  validateDuplexPairInit,
} from './duplex-pair.js'
export {
  fakePeerId,
  type PeerstoreSuiteInit,
  type PeerstoreSuiteStoreInit,
  runPeerstoreSuite,
} from './peerstore-suite.js'
export { chainedPair, relay } from './relay.js'
export { firstDifference, RecordingSink, settle, whenClosed } from './suite-helpers.js'
export { runTransportSuite, type TransportSuiteInit } from './transport-suite.js'
