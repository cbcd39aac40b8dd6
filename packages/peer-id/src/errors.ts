import { SwitchyardError } from '@switchyard/interface'

/** Codes of {@link KeyError}: a key or signature encoding that cannot be accepted. */
export type KeyErrorCode =
  /** The protobuf ended inside a field (peer-ids.md §Keys). */
  | 'KEY_PROTOBUF_TRUNCATED'
  /** A field has the wrong wire type, or a varint is not minimally encoded. */
  | 'KEY_PROTOBUF_MALFORMED'
  /** A field is missing, repeated, out of tag order, or unknown (deterministic encoding, peer-ids.md §Keys). */
  | 'KEY_PROTOBUF_NOT_CANONICAL'
  /** The `Type` field holds a value that is not one of the four libp2p key types. */
  | 'KEY_UNKNOWN_TYPE'
  /** The key type is known but this operation or backend does not support it (e.g. RSA without node:crypto). */
  | 'KEY_UNSUPPORTED'
  /** The key's `Data` bytes are not a valid key of the announced type. */
  | 'KEY_INVALID'
  /** The key is larger (or an RSA modulus smaller) than the limits allow. */
  | 'KEY_SIZE'

/** A key encoding from disk or from the network that cannot be accepted. */
export class KeyError extends SwitchyardError<KeyErrorCode> {}

/** Codes of {@link PeerIdError}: a peer id that cannot be parsed. */
export type PeerIdErrorCode =
  /** The string is neither base58btc (`1…`, `Qm…`) nor a multibase CID. */
  | 'PEER_ID_INVALID_STRING'
  /** The bytes are not a multihash a peer id may use (identity ≤ 42 bytes holding a key, or sha2-256). */
  | 'PEER_ID_INVALID_MULTIHASH'
  /** The CID is not CIDv1 with the `libp2p-key` (0x72) codec. */
  | 'PEER_ID_INVALID_CID'

/** A peer id (string, CID or bytes) that cannot be parsed. */
export class PeerIdError extends SwitchyardError<PeerIdErrorCode> {}
