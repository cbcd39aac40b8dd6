/**
 * Wire constants of multistream-select 1.0.0
 * (https://github.com/multiformats/multistream-select).
 */

/** The protocol id of multistream-select itself, sent first by both sides. */
export const PROTOCOL_ID = '/multistream/1.0.0'

/**
 * The largest message, in bytes, counting the trailing newline but not the length
 * prefix. The spec sets no limit; go-multistream (`lpReadBuf`) and js-libp2p
 * (`MAX_PROTOCOL_LENGTH`, "conforming to go-libp2p") both reject incoming messages
 * longer than 1024 bytes, so a longer protocol id could not be negotiated with them.
 */
export const MAX_MESSAGE_BYTES = 1024

/** The longest protocol id, in UTF-8 bytes, that fits a message: 1024 minus the newline. */
export const MAX_PROTOCOL_LENGTH = MAX_MESSAGE_BYTES - 1

/** `\n`, the terminator of every message (spec "Note 2"). */
export const NEWLINE = 0x0a
