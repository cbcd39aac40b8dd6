export type { ByteSink, ByteStream } from './byte-stream.js'
export { ByteStreamBase, type ByteStreamBaseInit } from './byte-stream-base.js'
export {
  type AbortOptions,
  raceSignal,
  StreamError,
  type StreamErrorCode,
  SwitchyardError,
  throwIfAborted,
} from './errors.js'
export type {
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
export type { SecureOptions, SecureResult, SecurityProtocol } from './security.js'
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
