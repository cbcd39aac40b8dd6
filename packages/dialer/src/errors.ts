import type { Multiaddr } from '@multiformats/multiaddr'
import { SwitchyardError } from '@switchyard/interface'

/** Codes of {@link DialError}. */
export type DialErrorCode =
  /** Every address was tried and failed; `errors` lists each address's cause. */
  | 'DIAL_FAILED'
  /** The whole dial did not finish within `dialTimeoutMs`; `errors` lists the failures so far. */
  | 'DIAL_TIMEOUT'
  /** One address attempt (dial + upgrade) did not finish within `addressTimeoutMs`. */
  | 'DIAL_ADDRESS_TIMEOUT'
  /** An attempt was cancelled because another address won (the abort reason losers see). */
  | 'DIAL_CANCELLED'
  /** Nothing was left to dial after filtering; `errors` says why each address was dropped. */
  | 'DIAL_NO_ADDRESSES'
  /** The peer (or every remaining address) is in dial backoff: see {@link DialBackoffError}. */
  | 'DIAL_BACKOFF'
  /** Every remaining address belongs to a class detected as a black hole (e.g. IPv6 without a route). */
  | 'DIAL_BLACK_HOLED'
  /** The target is our own peer id. */
  | 'DIAL_SELF'
  /** The dial queue is full (`maxDialQueueLength`). */
  | 'DIAL_QUEUE_FULL'
  /** The dialer was closed. */
  | 'DIAL_CLOSED'

/** The cause of one address's failure. */
export interface AddressError {
  readonly addr: Multiaddr
  readonly cause: unknown
}

/**
 * A dial failure. For an aggregate failure (`DIAL_FAILED`, `DIAL_TIMEOUT`,
 * `DIAL_NO_ADDRESSES`) `errors` holds each address's cause, capped at the dialer's
 * `maxErrors` (default 16); `omitted` counts the causes left out.
 */
export class DialError extends SwitchyardError<DialErrorCode> {
  /** Per-address causes, at most `maxErrors` of them. */
  readonly errors: readonly AddressError[]
  /** How many further per-address causes were not kept. */
  readonly omitted: number

  constructor(
    code: DialErrorCode,
    message: string,
    init: { errors?: readonly AddressError[]; omitted?: number; cause?: unknown } = {},
  ) {
    const errors = init.errors ?? []
    const omitted = init.omitted ?? 0
    super(code, errors.length === 0 ? message : `${message}: ${summarize(errors, omitted)}`, {
      cause: init.cause ?? (errors.length === 1 ? errors[0]?.cause : undefined),
    })
    this.errors = errors
    this.omitted = omitted
  }
}

/** A dial refused at once because of backoff after earlier failures (seed 002, "Dial Backoff"). */
export class DialBackoffError extends DialError {
  /** When the backoff ends (clock milliseconds, `Date.now()` by default). */
  readonly until: number

  constructor(until: number, what: string) {
    super('DIAL_BACKOFF', `${what} is in dial backoff until ${new Date(until).toISOString()}`)
    this.until = until
  }
}

function summarize(errors: readonly AddressError[], omitted: number): string {
  const parts = errors.map((e) => `${e.addr.toString()}: ${describe(e.cause)}`)
  if (omitted > 0) parts.push(`and ${omitted} more`)
  return parts.join('; ')
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code
    return typeof code === 'string' && !cause.message.includes(code)
      ? `${code} ${cause.message}`
      : cause.message
  }
  return String(cause)
}

/**
 * Collects per-address causes up to `max`, counting the rest. One per dial; the dialer
 * turns it into a {@link DialError}.
 */
export class AddressErrors {
  readonly list: AddressError[] = []
  omitted = 0
  readonly #max: number

  constructor(max: number) {
    this.#max = max
  }

  add(addr: Multiaddr, cause: unknown): void {
    if (this.list.length < this.#max) this.list.push({ addr, cause })
    else this.omitted++
  }

  toError(code: DialErrorCode, message: string): DialError {
    return new DialError(code, message, { errors: this.list.slice(), omitted: this.omitted })
  }
}

/** The error code of `err` if it has a string one (SwitchyardError or Node errno), for dial stats. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}
