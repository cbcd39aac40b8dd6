/**
 * The one error base class of Switchyard.
 *
 * Every error a Switchyard package raises for a runtime condition (as opposed to a
 * bad argument, which is a `TypeError` or `RangeError` at the boundary) is a
 * `SwitchyardError` with a string `code` naming the condition, for example
 * `'YAMUX_RECV_WINDOW_EXCEEDED'`. Branch on `code`, never on `message`.
 *
 * `instanceof` breaks when two copies of this package are installed, so the class
 * brands its instances with a global symbol and `SwitchyardError.is()` checks the brand.
 */

const BRAND = Symbol.for('@switchyard/error')

/** Options accepted by every async Switchyard call. */
export interface AbortOptions {
  /** Aborts the operation; the call rejects with `signal.reason`. */
  signal?: AbortSignal | undefined
}

export class SwitchyardError<Code extends string = string> extends Error {
  /** A stable, machine-readable name of the condition. */
  readonly code: Code

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    Object.defineProperty(this, BRAND, { value: true })
  }

  /** The class name, so subclasses print as themselves. */
  override get name(): string {
    return this.constructor.name
  }

  /**
   * True when `err` is a SwitchyardError (from any copy of this package),
   * and, when `code` is given, carries that code.
   */
  static is<C extends string = string>(err: unknown, code?: C): err is SwitchyardError<C> {
    return (
      typeof err === 'object' &&
      err !== null &&
      (err as Record<symbol, unknown>)[BRAND] === true &&
      (code === undefined || (err as SwitchyardError).code === code)
    )
  }
}

/** Codes raised by byte streams of every layer. */
export type StreamErrorCode =
  /** `write()` after `end()`: a programming error of the caller. */
  | 'STREAM_WRITE_AFTER_END'
  /** The stream was destroyed by its owner without a more specific error. */
  | 'STREAM_DESTROYED'
  /** The remote reset the stream. */
  | 'STREAM_RESET'
  /** A sink callback threw; the stream was destroyed with the thrown value as `cause`. */
  | 'STREAM_SINK_THREW'
  /** A bounded read (`readAll`, a framed read) saw more bytes than allowed. */
  | 'STREAM_READ_LIMIT'
  /** The stream ended before an expected number of bytes arrived. */
  | 'STREAM_UNEXPECTED_EOF'

/** Errors of the byte-stream contract itself. */
export class StreamError extends SwitchyardError<StreamErrorCode> {}

/**
 * Rejects with `signal.reason` if the signal is already aborted.
 * Every async Switchyard function calls this first.
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw signal.reason
}

/**
 * Races `promise` against `signal`: rejects with `signal.reason` on abort and
 * removes its listener either way. The underlying work is not cancelled; pass
 * `onAbort` to do that.
 *
 * (abort-controller-x's `abortable` rejects with its own `AbortError` instead of
 * `signal.reason`, which loses `AbortSignal.timeout()`'s `TimeoutError`.)
 */
export function raceSignal<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  onAbort?: (reason: unknown) => void,
): Promise<T> {
  if (signal === undefined) return promise
  if (signal.aborted) {
    promise.catch(() => {})
    onAbort?.(signal.reason)
    return Promise.reject(signal.reason)
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort?.(signal.reason)
      reject(signal.reason)
    }
    signal.addEventListener('abort', abort, { once: true })
    promise.then(
      (v) => {
        signal.removeEventListener('abort', abort)
        resolve(v)
      },
      (e) => {
        signal.removeEventListener('abort', abort)
        reject(e)
      },
    )
  })
}
