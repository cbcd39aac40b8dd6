/**
 * multistream-select 1.0.0 (https://github.com/multiformats/multistream-select),
 * both roles, over any Switchyard `ByteStream`, push-based.
 */
export { MAX_MESSAGE_BYTES, MAX_PROTOCOL_LENGTH, PROTOCOL_ID } from './constants.js'
export { MultistreamError, type MultistreamErrorCode } from './errors.js'
export { handle, type SupportedProtocols } from './handle.js'
export { defaults, type HandleOptions, type NegotiateOptions, type SelectOptions } from './options.js'
export { type NegotiationResult, select } from './select.js'
