/**
 * Wire constants of yamux (libp2p/specs yamux/README.md, "Framing").
 */
import type { GoodbyeCode } from '@switchyard/interface'

/** The protocol id negotiated with multistream-select. */
export const YAMUX_PROTOCOL = '/yamux/1.0.0'

/** Spec "Version Field": always 0. */
export const YAMUX_VERSION = 0

/** Spec "Framing": 12-byte header (version, type, flags, stream id, length). */
export const HEADER_LENGTH = 12

/** Spec "Type Field". */
export const FrameType = {
  Data: 0,
  WindowUpdate: 1,
  Ping: 2,
  GoAway: 3,
} as const
export type FrameType = (typeof FrameType)[keyof typeof FrameType]

/** Spec "Flag Field". Flags may be combined. */
export const Flag = {
  SYN: 1,
  ACK: 2,
  FIN: 4,
  RST: 8,
} as const

/** Spec "Session termination": GoAway error codes. */
export const GoAwayCode = {
  Normal: 0,
  ProtocolError: 1,
  InternalError: 2,
} as const
export type GoAwayCode = (typeof GoAwayCode)[keyof typeof GoAwayCode]

/** The GoAway code of each interface `GoodbyeCode` (`StreamMuxer.abort`'s `goodbye`). */
export const GOODBYE_CODES: Readonly<Record<GoodbyeCode, GoAwayCode>> = {
  normal: GoAwayCode.Normal,
  'protocol-error': GoAwayCode.ProtocolError,
  'internal-error': GoAwayCode.InternalError,
}

/** Spec "Flow Control": every stream starts with a 256 KiB window. */
export const INITIAL_STREAM_WINDOW = 256 * 1024

/** Largest value of a 32-bit length / window field. */
export const MAX_UINT32 = 0xffff_ffff
