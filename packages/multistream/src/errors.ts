import { SwitchyardError } from '@switchyard/interface'

/** The conditions a multistream-select negotiation can fail with. */
export type MultistreamErrorCode =
  /** The remote answered `na` to every proposed protocol (or, lazily, to the one protocol). */
  | 'MULTISTREAM_PROTOCOL_REJECTED'
  /** The first message was not the `/multistream/1.0.0` header. */
  | 'MULTISTREAM_INVALID_HEADER'
  /** A length prefix announced a message over the 1024-byte limit. */
  | 'MULTISTREAM_MESSAGE_TOO_LONG'
  /** A message broke the framing: empty, no trailing newline, or a non-minimal length prefix. */
  | 'MULTISTREAM_INVALID_MESSAGE'
  /** The responder answered a proposal with something other than the protocol or `na`. */
  | 'MULTISTREAM_UNEXPECTED_MESSAGE'
  /** The remote sent more messages than `maxMessages` in one negotiation. */
  | 'MULTISTREAM_TOO_MANY_MESSAGES'
  /** The negotiation did not finish within `timeoutMs`. */
  | 'MULTISTREAM_TIMEOUT'
  /** The remote closed its write side before the negotiation finished. */
  | 'MULTISTREAM_UNEXPECTED_EOF'

/** A multistream-select negotiation failed because of what the remote did (or did not do). */
export class MultistreamError extends SwitchyardError<MultistreamErrorCode> {}
