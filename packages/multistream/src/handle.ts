/**
 * The responder's role (the "listener" of the spec): answer each proposal from the
 * supported set, `na` for anything else, the list for `ls`, and keep reading after
 * `na` until a proposal is agreed.
 *
 * Wire (spec "Implementation Recommendations"): our header goes out with our first
 * answer, in one write. The header is sent as soon as the initiator's header has
 * been read and no further message is waiting in the same chunk, so an initiator
 * that waits for our header before proposing is answered too.
 */
import { type ByteStream, throwIfAborted } from '@switchyard/interface'
import {
  bytesEqual,
  copyOf,
  decodeText,
  type EncodedProtocol,
  encodeLsResponse,
  encodeProtocol,
  HEADER_BYTES,
  HEADER_MESSAGE,
  LS_BYTES,
  NA_MESSAGE,
} from './codec.js'
import { MultistreamError } from './errors.js'
import { NegotiatedStream } from './negotiated-stream.js'
import { Negotiation, type NegotiationDone } from './negotiation.js'
import { type HandleOptions, type ResolvedOptions, resolveOptions } from './options.js'
import type { NegotiationResult } from './select.js'

/**
 * The protocols a responder agrees to: a list or set of ids (listed in answer to
 * `ls`), or a match function (then `HandleOptions.lsProtocols` is listed).
 */
export type SupportedProtocols = readonly string[] | ReadonlySet<string> | ((protocol: string) => boolean)

/**
 * Answers the initiator's proposals until one is in `supported`.
 *
 * Resolves with the stream and the agreed protocol. Rejects with `MultistreamError`
 * (framing, limit, timeout or EOF codes), with the stream's own error if it closes,
 * or with `signal.reason`; once started, a failure destroys the stream. Bad arguments
 * reject with `TypeError` / `RangeError` and leave the stream untouched. A match
 * function that throws fails the negotiation with what it threw.
 */
export function handle(
  stream: ByteStream,
  supported: SupportedProtocols,
  options: HandleOptions = {},
): Promise<NegotiationResult> {
  let resolved: ResolvedOptions
  let match: (protocol: string) => boolean
  let listed: () => Iterable<string>
  try {
    throwIfAborted(options.signal)
    if (typeof supported === 'function') {
      match = supported
      const ls = options.lsProtocols ?? []
      listed = () => ls
    } else if (Array.isArray(supported)) {
      const list = supported as readonly string[]
      match = (p) => list.includes(p)
      listed = () => list
    } else if (supported instanceof Set) {
      const set = supported as ReadonlySet<string>
      match = (p) => set.has(p)
      listed = () => set
    } else {
      throw new TypeError('handle() needs an array, a set or a match function of protocol ids')
    }
    resolved = resolveOptions(options)
  } catch (err) {
    return Promise.reject(err)
  }
  return new Promise<NegotiationResult>((resolve, reject) => {
    new HandleNegotiation(stream, match, listed, resolved, options.signal, (err, protocol, leftover) => {
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
    }).start()
  })
}

type HandleState = 'header' | 'proposals'

class HandleNegotiation extends Negotiation {
  readonly #match: (protocol: string) => boolean
  readonly #listed: () => Iterable<string>
  #state: HandleState = 'header'
  #headerSent = false

  constructor(
    stream: ByteStream,
    match: (protocol: string) => boolean,
    listed: () => Iterable<string>,
    options: ResolvedOptions,
    signal: AbortSignal | undefined,
    onDone: NegotiationDone,
  ) {
    super(stream, options, signal, onDone)
    this.#match = match
    this.#listed = listed
  }

  protected onMessage(message: Uint8Array): string | undefined {
    switch (this.#state) {
      case 'header':
        if (!bytesEqual(message, HEADER_BYTES)) {
          throw new MultistreamError(
            'MULTISTREAM_INVALID_HEADER',
            'the initiator did not send /multistream/1.0.0',
          )
        }
        this.#state = 'proposals'
        return undefined
      case 'proposals': {
        if (bytesEqual(message, LS_BYTES)) {
          this.#answer(this.#lsResponse())
          return undefined
        }
        const protocol = decodeText(message)
        if (!this.#match(protocol)) {
          this.#answer(copyOf(NA_MESSAGE))
          return undefined
        }
        // The common case, header and echo in one write, is pre-encoded.
        const encoded = tryEncode(protocol)
        if (encoded === undefined) {
          // Accepted by a match function but not echoable (a newline inside).
          this.#answer(copyOf(NA_MESSAGE))
          return undefined
        }
        if (this.#headerSent) {
          this.send(copyOf(encoded.message))
        } else {
          this.#headerSent = true
          this.send(copyOf(encoded.withHeader))
        }
        return protocol
      }
      default:
        throw new Error(`unreachable state ${this.#state satisfies never}`)
    }
  }

  protected override beforeWait(): void {
    if (this.#state === 'proposals' && !this.#headerSent) {
      this.#headerSent = true
      this.send(copyOf(HEADER_MESSAGE))
    }
  }

  #answer(bytes: Uint8Array): void {
    if (!this.#headerSent) {
      this.#headerSent = true
      this.send(copyOf(HEADER_MESSAGE))
    }
    this.send(bytes)
  }

  #lsResponse(): Uint8Array {
    const encoded: EncodedProtocol[] = []
    for (const id of this.#listed()) {
      // An id that could never be negotiated is left out of the list.
      const e = tryEncode(id)
      if (e !== undefined) encoded.push(e)
    }
    return encodeLsResponse(encoded)
  }
}

function tryEncode(id: string): EncodedProtocol | undefined {
  try {
    return encodeProtocol(id)
  } catch {
    return undefined
  }
}
