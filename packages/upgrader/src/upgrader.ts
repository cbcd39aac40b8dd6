/**
 * The upgrade pipeline: raw connection → multistream-select of the security protocol
 * → security handshake → (early muxer agreement from the handshake, or
 * multistream-select of the muxer) → muxer session → `Connection`
 * (seed 002 "Connection Upgrading Pipeline", "Inbound vs Outbound Roles";
 * ../shared/specs/libp2p/connections/README.md and inlined-muxer-negotiation.md).
 *
 * The dialer is the initiator everywhere (multistream proposer, Noise initiator, yamux
 * client); the listener is the responder. Gates and resource checks run after accept,
 * after the handshake and after the muxer (seed 002 "Connection Gating").
 */
import {
  type AbortOptions,
  type ByteStream,
  ConnectionGatedError,
  type ConnectionGater,
  type ConnectionResourceScope,
  type Direction,
  enforceGate,
  type PeerId,
  type ProtocolLookup,
  type RawConnection,
  type ResourceManager,
  type SecureResult,
  type SecurityProtocol,
  type StreamMuxerFactory,
  SwitchyardError,
} from '@switchyard/interface'
import { handle, select } from '@switchyard/multistream'
import { UpgradeError, type UpgradeErrorCode, type UpgradeStep } from './errors.js'
import { onAbort } from './shared-abort.js'
import { UpgradedConnection } from './upgraded-connection.js'

/** Options of `createUpgrader`. */
export interface UpgraderInit {
  /** Our peer id: an upgrade whose remote is this peer fails with `UPGRADE_SELF_DIAL`. */
  localPeer: PeerId
  /** Security protocols in preference order (`/noise`; room for `/tls/1.0.0`). At least one. */
  security: readonly SecurityProtocol[]
  /** Muxers in preference order (`/yamux/1.0.0`). At least one. */
  muxers: readonly StreamMuxerFactory[]
  /**
   * Offer our muxers in the security handshake (Noise extensions), saving the muxer
   * round trip when the remote offers too. Default true.
   */
  earlyMuxerNegotiation?: boolean
  /**
   * Outbound, with exactly one security protocol: propose it lazily, so the multistream
   * header, the proposal and the first handshake message leave in one write (one round
   * trip less per dial; a refusal still fails as `UPGRADE_SECURITY_NEGOTIATION_FAILED`).
   * Default false: it changes what every dial puts on the wire, and acceptance of a
   * lazy security proposal has been tested against js-libp2p only. (The multistream
   * wrapper that then stays under the secure channel passes `writev` through over a
   * socket, so the gathered Noise write path is kept; bulk throughput over TCP loopback
   * measured the same as without, within this machine's noise.)
   */
  lazySecuritySelect?: boolean
  /** The whole upgrade fails with `UPGRADE_TIMEOUT` after this long, ms. Default 10 000. */
  upgradeTimeoutMs?: number
  /** Timeout of the protocol negotiation of every stream, ms. Default 10 000. */
  streamNegotiationTimeoutMs?: number
  /** Handlers of inbound streams. Default: none (every proposal gets `na`). */
  protocols?: ProtocolLookup
  /** Policy at the accept, secured and upgraded gates. Default: allow all. */
  gater?: ConnectionGater
  /** Resource accounting of connections and streams. Default: none (unlimited). */
  resourceManager?: ResourceManager
}

/** The defaults of `UpgraderInit`. */
export const defaults = {
  earlyMuxerNegotiation: true,
  lazySecuritySelect: false,
  upgradeTimeoutMs: 10_000,
  streamNegotiationTimeoutMs: 10_000,
} as const

/** Options of one upgrade. */
export interface UpgradeOptions extends AbortOptions {
  /** Outbound: the peer we dialled; another remote fails with `UPGRADE_UNEXPECTED_PEER`. */
  remotePeer?: PeerId
  /** This upgrade's timeout, ms. Default: `UpgraderInit.upgradeTimeoutMs`. */
  timeoutMs?: number
  /** Handlers of this connection's inbound streams. Default: `UpgraderInit.protocols`. */
  protocols?: ProtocolLookup
  /**
   * A resource scope the caller already opened for this connection. The upgrade takes
   * it over (it is closed with the connection, or on failure). Default: one is opened
   * with `UpgraderInit.resourceManager`, if any.
   */
  scope?: ConnectionResourceScope
}

/** Turns raw connections into `Connection`s. */
export interface Upgrader {
  /**
   * Upgrade a connection we dialled, as the initiator. Takes `raw` over: on failure
   * it is destroyed and the promise rejects with an `UpgradeError` naming the step
   * (or with `signal.reason`).
   */
  upgradeOutbound(raw: RawConnection, options?: UpgradeOptions): Promise<UpgradedConnection>
  /** Upgrade an accepted connection, as the responder. Same ownership and errors. */
  upgradeInbound(raw: RawConnection, options?: UpgradeOptions): Promise<UpgradedConnection>
}

const refuseAll: ProtocolLookup = () => undefined

function validate(init: UpgraderInit) {
  if (init === null || typeof init !== 'object') throw new TypeError('UpgraderInit is required')
  if (init.localPeer === undefined) throw new TypeError('UpgraderInit.localPeer is required')
  if (!Array.isArray(init.security) || init.security.length === 0) {
    throw new TypeError('UpgraderInit.security needs at least one security protocol')
  }
  if (!Array.isArray(init.muxers) || init.muxers.length === 0) {
    throw new TypeError('UpgraderInit.muxers needs at least one muxer')
  }
  const config = {
    earlyMuxerNegotiation: init.earlyMuxerNegotiation ?? defaults.earlyMuxerNegotiation,
    lazySecuritySelect: init.lazySecuritySelect ?? defaults.lazySecuritySelect,
    upgradeTimeoutMs: init.upgradeTimeoutMs ?? defaults.upgradeTimeoutMs,
    streamNegotiationTimeoutMs: init.streamNegotiationTimeoutMs ?? defaults.streamNegotiationTimeoutMs,
  }
  checkTimeout('UpgraderInit.upgradeTimeoutMs', config.upgradeTimeoutMs)
  checkTimeout('UpgraderInit.streamNegotiationTimeoutMs', config.streamNegotiationTimeoutMs)
  return config
}

function checkTimeout(name: string, ms: number): void {
  if (typeof ms !== 'number' || !(ms > 0) || ms > 0x7fffffff) {
    throw new RangeError(`${name} must be a number of ms in (0, 2^31), got ${String(ms)}`)
  }
}

/** Creates an upgrader (see `Upgrader`). */
export function createUpgrader(init: UpgraderInit): Upgrader {
  const config = validate(init)
  const securityById = new Map(init.security.map((s) => [s.protocol, s]))
  const securityIds = [...securityById.keys()]
  const muxerById = new Map(init.muxers.map((m) => [m.protocol, m]))
  const muxerIds = [...muxerById.keys()]
  const gater = init.gater
  // multistream-select must not run a timer of its own here: the upgrade deadline covers it.
  const negotiate = { timeoutMs: Number.POSITIVE_INFINITY }
  const lazySelect = config.lazySecuritySelect && securityIds.length === 1

  async function upgrade(
    raw: RawConnection,
    direction: Direction,
    options: UpgradeOptions,
  ): Promise<UpgradedConnection> {
    const outer = options.signal
    if (outer?.aborted === true) {
      raw.destroy()
      options.scope?.done()
      throw outer.reason
    }
    const timeoutMs = options.timeoutMs ?? config.upgradeTimeoutMs
    checkTimeout('timeoutMs', timeoutMs)
    const protocols = options.protocols ?? init.protocols ?? refuseAll

    let step: UpgradeStep = direction === 'inbound' ? 'accept' : 'security-negotiation'
    // The outermost layer built so far: destroying it releases every layer below.
    let current: ByteStream = raw
    let connection: UpgradedConnection | undefined
    let scope: ConnectionResourceScope | undefined = options.scope
    let released = false
    // A lazily selected security protocol, until the responder confirmed it.
    let lazySecurity: { readonly confirmed?: boolean } | undefined
    const effectiveStep = (): UpgradeStep =>
      step === 'handshake' && lazySecurity?.confirmed === false ? 'security-negotiation' : step
    const release = (err: Error) => {
      if (released) return
      released = true
      if (connection !== undefined) connection.abort(err)
      else current.destroy(err)
      scope?.done()
    }

    // The timeout and the caller's signal stop the upgrade by destroying the layer under
    // construction, which fails whichever step is running (every step fails when its
    // stream closes); the failure is then reported as the stop reason. No AbortController
    // and no listener per step: a dial creates enough of those already.
    let stopped: { readonly reason: unknown } | undefined
    const stop = (reason: unknown) => {
      if (stopped !== undefined) return
      stopped = { reason }
      release(reason instanceof Error ? reason : new Error(String(reason)))
    }
    // After each step: stopped while it resolved, the new layer is ours to destroy too.
    const checkStopped = (layer: ByteStream | undefined) => {
      if (stopped === undefined) return
      layer?.destroy(stopped.reason instanceof Error ? stopped.reason : new Error(String(stopped.reason)))
      throw stopped.reason
    }
    const timer = setTimeout(
      () => stop(new UpgradeError('UPGRADE_TIMEOUT', effectiveStep(), `no progress for ${timeoutMs} ms`)),
      timeoutMs,
    )
    // One listener on the caller's (often long-lived, shared) signal for all upgrades.
    const offOuterAbort = outer === undefined ? undefined : onAbort(outer, () => stop(outer.reason))

    try {
      if (direction === 'inbound') {
        gate('accept', () =>
          gater?.interceptAccept?.({ remoteAddr: raw.remoteAddr, localAddr: raw.localAddr }),
        )
      }
      if (scope === undefined && init.resourceManager !== undefined) {
        try {
          scope = init.resourceManager.openConnection(direction, raw.remoteAddr)
        } catch (cause) {
          throw new UpgradeError('UPGRADE_RESOURCE_LIMIT', step, 'no resources for a new connection', {
            cause,
          })
        }
      }

      // Step 1: multistream-select of the security protocol.
      step = 'security-negotiation'
      // With one security protocol there is nothing to fall back to after a `na`, so the
      // proposal may be sent lazily (`lazySecuritySelect`): header + `/noise` + the first
      // handshake message go out in one write, saving a round trip (multistream-select
      // README "Lazy select"; never nested: the handshake's frames are not multistream messages).
      const negotiated =
        direction === 'outbound'
          ? await select(raw, securityIds, { ...negotiate, lazy: lazySelect })
          : await handle(raw, securityIds, negotiate)
      current = negotiated.stream
      checkStopped(current)
      lazySecurity = negotiated.confirmed === undefined ? undefined : negotiated
      const security = securityById.get(negotiated.protocol)!

      // Step 2: the handshake.
      step = 'handshake'
      const secureOptions = {
        ...(options.remotePeer !== undefined && direction === 'outbound'
          ? { remotePeer: options.remotePeer }
          : {}),
        ...(config.earlyMuxerNegotiation ? { muxers: muxerIds } : {}),
      }
      const secured: SecureResult =
        direction === 'outbound'
          ? await security.secureOutbound(current, secureOptions)
          : await security.secureInbound(current, secureOptions)
      current = secured.stream
      checkStopped(current)
      const remotePeer = secured.remotePeer

      // Checks on the authenticated peer.
      step = 'secured'
      if (
        direction === 'outbound' &&
        options.remotePeer !== undefined &&
        !options.remotePeer.equals(remotePeer)
      ) {
        throw new UpgradeError(
          'UPGRADE_UNEXPECTED_PEER',
          step,
          `dialled ${options.remotePeer.toString()} but the remote is ${remotePeer.toString()}`,
        )
      }
      if (remotePeer.equals(init.localPeer)) {
        throw new UpgradeError(
          'UPGRADE_SELF_DIAL',
          step,
          `the remote is ourselves (${remotePeer.toString()})`,
        )
      }
      gate('secured', () =>
        gater?.interceptSecured?.({
          remoteAddr: raw.remoteAddr,
          localAddr: raw.localAddr,
          remotePeer,
          direction,
        }),
      )
      if (scope !== undefined) {
        try {
          scope.setPeer(remotePeer)
        } catch (cause) {
          throw new UpgradeError('UPGRADE_RESOURCE_LIMIT', step, `no resources for peer ${remotePeer}`, {
            cause,
          })
        }
      }

      // Step 3: the muxer, agreed in the handshake (inlined-muxer-negotiation.md) or negotiated now.
      let muxerFactory = secured.muxer === undefined ? undefined : muxerById.get(secured.muxer)
      const muxerNegotiation = muxerFactory === undefined ? 'multistream' : 'handshake'
      if (muxerFactory === undefined) {
        step = 'muxer-negotiation'
        const agreed =
          direction === 'outbound'
            ? await select(current, muxerIds, negotiate)
            : await handle(current, muxerIds, negotiate)
        current = agreed.stream
        checkStopped(current)
        muxerFactory = muxerById.get(agreed.protocol)!
      }

      // Step 4: the session.
      step = 'muxer'
      connection = new UpgradedConnection({
        remotePeer,
        direction,
        remoteAddr: raw.remoteAddr,
        localAddr: raw.localAddr,
        security: security.protocol,
        muxerNegotiation,
        muxerFactory,
        channel: current,
        scope,
        protocols,
        streamNegotiationTimeoutMs: config.streamNegotiationTimeoutMs,
        raw,
      })

      step = 'upgraded'
      const muxer = muxerFactory.protocol
      gate('upgraded', () =>
        gater?.interceptUpgraded?.({
          remoteAddr: raw.remoteAddr,
          localAddr: raw.localAddr,
          remotePeer,
          direction,
          security: security.protocol,
          muxer,
        }),
      )
      checkStopped(undefined)
      connection.markOpen()
      return connection
    } catch (err) {
      // After an abort or timeout the steps reject with the reason; report it as such.
      // Until the responder confirmed a lazy proposal, a failure in the handshake (a `na`,
      // a reset, garbage) is a failed negotiation, caused by the multistream error if any.
      const at = effectiveStep()
      const failure =
        stopped !== undefined
          ? stopped.reason
          : toUpgradeError(at === step ? err : (multistreamCause(err) ?? err), at)
      stop(failure)
      throw failure
    } finally {
      clearTimeout(timer)
      offOuterAbort?.()
    }
  }

  return {
    upgradeOutbound: (raw, options = {}) => upgrade(raw, 'outbound', options),
    upgradeInbound: (raw, options = {}) => upgrade(raw, 'inbound', options),
  }
}

/** Runs a gate hook; a denial (or a hook that throws) fails the step with `UPGRADE_GATED`. */
function gate(
  point: 'accept' | 'secured' | 'upgraded',
  hook: () => ReturnType<NonNullable<ConnectionGater['interceptAccept']>> | undefined,
): void {
  try {
    enforceGate(hook(), point)
  } catch (cause) {
    const reason = cause instanceof ConnectionGatedError ? cause.reason : 'the gater threw'
    throw new UpgradeError('UPGRADE_GATED', point, `denied: ${reason}`, { cause })
  }
}

/** The multistream-select failure (`MULTISTREAM_*`) that `err` is or was caused by. */
function multistreamCause(err: unknown): unknown {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 8; depth++) {
    if (SwitchyardError.is(e) && e.code.startsWith('MULTISTREAM_')) return e
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

const STEP_CODES: Record<UpgradeStep, UpgradeErrorCode> = {
  accept: 'UPGRADE_GATED',
  'security-negotiation': 'UPGRADE_SECURITY_NEGOTIATION_FAILED',
  handshake: 'UPGRADE_HANDSHAKE_FAILED',
  secured: 'UPGRADE_GATED',
  'muxer-negotiation': 'UPGRADE_MUXER_NEGOTIATION_FAILED',
  muxer: 'UPGRADE_MUXER_FAILED',
  upgraded: 'UPGRADE_GATED',
}

function toUpgradeError(err: unknown, step: UpgradeStep): UpgradeError {
  if (err instanceof UpgradeError) return err
  // A security protocol that checks the expected peer itself (Noise: NOISE_UNEXPECTED_PEER).
  if (step === 'handshake' && SwitchyardError.is(err) && err.code.endsWith('_UNEXPECTED_PEER')) {
    return new UpgradeError('UPGRADE_UNEXPECTED_PEER', step, err.message, { cause: err })
  }
  const message = err instanceof Error ? err.message : String(err)
  return new UpgradeError(STEP_CODES[step], step, message, { cause: err })
}
