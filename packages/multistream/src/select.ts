/**
 * The initiator's role (the "dialer" of the spec): propose protocols in order and
 * move on after each `na`.
 *
 * Wire (spec "Implementation Recommendations / Protocol Selection"): the header and
 * the first proposal go out in one write; the responder's header must be the first
 * message back, then each proposal is answered by its echo (agreed) or `na`.
 */
import { type ByteStream, throwIfAborted } from '@switchyard/interface'
import { bytesEqual, copyOf, type EncodedProtocol, encodeProtocol, HEADER_BYTES, NA_BYTES } from './codec.js'
import { MultistreamError } from './errors.js'
import { NegotiatedStream } from './negotiated-stream.js'
import { Negotiation, type NegotiationDone } from './negotiation.js'
import { defaults, type ResolvedOptions, resolveOptions, type SelectOptions } from './options.js'

/** The outcome of a negotiation. */
export interface NegotiationResult {
  /**
   * The stream to speak `protocol` on. It is the stream that was passed in when no
   * byte arrived after the negotiation; otherwise (and always for a lazy select) a
   * thin wrapper that delivers those bytes first and then delegates to it.
   */
  stream: ByteStream
  /** The agreed protocol id. */
  protocol: string
  /**
   * Lazy select only: `false` until the responder confirmed the protocol (a failure
   * before that is a failed negotiation rather than one of the protocol spoken on the
   * stream). Absent otherwise (the protocol was confirmed before the result).
   */
  readonly confirmed?: boolean
}

/**
 * Negotiates one of `protocols` (in order of preference) as the initiator.
 *
 * Resolves with the stream and the protocol the responder agreed to. Rejects with
 * `MultistreamError` (`MULTISTREAM_PROTOCOL_REJECTED` when every protocol got `na`,
 * or a framing, limit or timeout code), with the stream's own error if it closes,
 * or with `signal.reason`; once the negotiation has started, a failure destroys the
 * stream. Bad arguments reject with `TypeError` / `RangeError` and leave the stream
 * untouched.
 *
 * With `lazy: true` (one protocol only) it resolves at once; see `SelectOptions.lazy`.
 */
export function select(
  stream: ByteStream,
  protocols: readonly string[],
  options: SelectOptions = {},
): Promise<NegotiationResult> {
  let proposals: EncodedProtocol[]
  let resolved: ResolvedOptions
  try {
    throwIfAborted(options.signal)
    if (!Array.isArray(protocols) || protocols.length === 0) {
      throw new TypeError('select() needs a non-empty array of protocol ids')
    }
    proposals = protocols.map(encodeProtocol)
    resolved = resolveOptions(options)
    if ((options.lazy ?? defaults.lazy) && proposals.length !== 1) {
      throw new RangeError('a lazy select proposes exactly one protocol')
    }
  } catch (err) {
    return Promise.reject(err)
  }
  if (options.lazy ?? defaults.lazy)
    return Promise.resolve(lazySelect(stream, proposals[0]!, resolved, options))

  return new Promise<NegotiationResult>((resolve, reject) => {
    new SelectNegotiation(stream, proposals, resolved, options.signal, (err, protocol, leftover) => {
      if (err !== undefined) {
        reject(err)
        return
      }
      if (leftover === undefined) {
        stream.setSink(null)
        resolve({ stream, protocol })
      } else {
        resolve({ stream: NegotiatedStream.withLeftover(stream, leftover), protocol })
      }
    }).start(copyOf(proposals[0]!.withHeader))
  })
}

function lazySelect(
  stream: ByteStream,
  proposal: EncodedProtocol,
  options: ResolvedOptions,
  init: SelectOptions,
): NegotiationResult {
  // The header and proposal wait in the wrapper to go out with the first write.
  const wrapper = NegotiatedStream.lazy(stream, proposal.withHeader)
  const onConfirmed = init.onConfirmed
  new SelectNegotiation(stream, [proposal], options, init.signal, (err, _protocol, leftover) => {
    if (err !== undefined) {
      wrapper.reject(err)
      return
    }
    wrapper.attach(leftover)
    if (onConfirmed !== undefined && wrapper.confirmed) onConfirmed()
  }).start()
  return {
    stream: wrapper,
    protocol: proposal.id,
    get confirmed() {
      return wrapper.confirmed
    },
  }
}

type SelectState = 'header' | 'response'

class SelectNegotiation extends Negotiation {
  readonly #proposals: readonly EncodedProtocol[]
  #index = 0
  #state: SelectState = 'header'

  constructor(
    stream: ByteStream,
    proposals: readonly EncodedProtocol[],
    options: ResolvedOptions,
    signal: AbortSignal | undefined,
    onDone: NegotiationDone,
  ) {
    super(stream, options, signal, onDone)
    this.#proposals = proposals
  }

  protected onMessage(message: Uint8Array): string | undefined {
    switch (this.#state) {
      case 'header':
        if (!bytesEqual(message, HEADER_BYTES)) {
          throw new MultistreamError(
            'MULTISTREAM_INVALID_HEADER',
            'the responder did not answer /multistream/1.0.0',
          )
        }
        this.#state = 'response'
        return undefined
      case 'response': {
        const proposal = this.#proposals[this.#index]!
        if (bytesEqual(message, proposal.bytes)) return proposal.id
        if (!bytesEqual(message, NA_BYTES)) {
          throw new MultistreamError(
            'MULTISTREAM_UNEXPECTED_MESSAGE',
            `the responder answered ${proposal.id} with neither the protocol nor na`,
          )
        }
        if (++this.#index === this.#proposals.length) {
          throw new MultistreamError(
            'MULTISTREAM_PROTOCOL_REJECTED',
            `the responder supports none of ${this.#proposals.map((p) => p.id).join(', ')}`,
          )
        }
        this.send(copyOf(this.#proposals[this.#index]!.message))
        return undefined
      }
      default:
        throw new Error(`unreachable state ${this.#state satisfies never}`)
    }
  }
}
