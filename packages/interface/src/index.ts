export type { ByteSink, ByteStream } from './byte-stream.js'
export { ByteStreamBase, type ByteStreamBaseInit } from './byte-stream-base.js'
export { type Clock, clockFrom } from './clock.js'
export { CloseCallbacks } from './close-callbacks.js'
export {
  type Connection,
  ConnectionError,
  type ConnectionErrorCode,
  type ConnectionState,
  type NewStreamOptions,
  type ProtocolLookup,
  type ProtocolStream,
  type StreamHandler,
} from './connection.js'
export {
  type AbortOptions,
  raceSignal,
  StreamError,
  type StreamErrorCode,
  SwitchyardError,
  throwIfAborted,
} from './errors.js'
export {
  ALLOW,
  type ConnectionAddrs,
  ConnectionGatedError,
  type ConnectionGater,
  deny,
  enforceGate,
  type GateErrorCode,
  type GatePoint,
  type GateVerdict,
  type SecuredConnectionInfo,
  type UpgradedConnectionInfo,
} from './gater.js'
export { microtask, TickQueue } from './microtask.js'
export type {
  AbortCloseOptions,
  GoodbyeCode,
  MemoryAccount,
  MuxedStream,
  MuxerEvents,
  MuxerSessionInit,
  StreamMuxer,
  StreamMuxerFactory,
} from './muxer.js'
export type { Direction, PeerId } from './peer.js'
export {
  type AddressDialStats,
  type AddressRecord,
  AddressTTL,
  type DisconnectReason,
  isNeverExpiringTtl,
  type PeerField,
  type PeerRecord,
  type Peerstore,
  PeerstoreError,
  type PeerstoreErrorCode,
  type PeerstoreEvent,
  type PeerstoreListener,
  type TagOptions,
  type TagRecord,
} from './peerstore.js'
export {
  type ClosableResourceScope,
  type ConnectionResourceScope,
  type MemoryPriority,
  type OpenConnectionOptions,
  type ResourceErrorCode,
  type ResourceKind,
  ResourceLimitError,
  type ResourceManager,
  type ResourceScope,
  type ResourceSpan,
  type ScopeStat,
  type StreamResourceScope,
} from './resource-manager.js'
export type { SecureExtensions, SecureOptions, SecureResult, SecurityProtocol } from './security.js'
export {
  concat,
  iterateStream,
  readAll,
  streamClosed,
  toAsyncIterable,
  waitForDrain,
  writeAll,
} from './stream-helpers.js'
export type { DialOptions, Listener, ListenerEvents, RawConnection, Transport } from './transport.js'
export { TransportError, type TransportErrorCode } from './transport-error.js'
