/**
 * Which implementation does the Ed25519 (and ECDSA/RSA verify) arithmetic:
 * `'node'` — OpenSSL through `node:crypto` (native, fast), or `'noble'` —
 * `@noble/curves` (portable pure JS, runs in browsers).
 *
 * `node:crypto` is looked up with `process.getBuiltinModule` (Node ≥ 20.16), not
 * imported, so bundles for other runtimes do not pull it in and fall back to noble.
 */
import type * as NodeCrypto from 'node:crypto'

/** A crypto implementation name. */
export type CryptoBackend = 'node' | 'noble'

function loadNodeCrypto(): typeof NodeCrypto | undefined {
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    const mod = proc?.getBuiltinModule?.('node:crypto') as typeof NodeCrypto | undefined
    // Ed25519 through KeyObjects needs Node ≥ 12; check the one entry point we rely on.
    return typeof mod?.createPrivateKey === 'function' ? mod : undefined
  } catch {
    return undefined
  }
}

/** `node:crypto` when the runtime provides it, else undefined. */
export const nodeCrypto: typeof NodeCrypto | undefined = loadNodeCrypto()

let current: CryptoBackend = nodeCrypto !== undefined ? 'node' : 'noble'

/** The backend new keys use unless told otherwise: `'node'` when available, else `'noble'`. */
export function getCryptoBackend(): CryptoBackend {
  return current
}

/**
 * Sets the default backend for keys created from now on (existing keys keep theirs).
 * `'auto'` restores the automatic choice. Throws a RangeError for `'node'` where
 * `node:crypto` is not available.
 */
export function setCryptoBackend(backend: CryptoBackend | 'auto'): void {
  current = resolveBackend(backend)
}

/** Validates a backend name, resolving `'auto'` and `undefined` to the current default. */
export function resolveBackend(backend: CryptoBackend | 'auto' | undefined): CryptoBackend {
  if (backend === undefined) return current
  if (backend === 'auto') return nodeCrypto !== undefined ? 'node' : 'noble'
  if (backend === 'node') {
    if (nodeCrypto === undefined)
      throw new RangeError('crypto backend "node" is not available in this runtime')
    return 'node'
  }
  if (backend === 'noble') return 'noble'
  throw new RangeError(`unknown crypto backend ${String(backend)}`)
}

/** Options of functions that create keys. */
export interface KeyOptions {
  /** Implementation to use for this key; default {@link getCryptoBackend}(). */
  backend?: CryptoBackend | 'auto'
}

/**
 * base64url of `bytes`, for JWK imports on the node backend (which only runs where
 * `Buffer` exists). JWK rather than DER because OpenSSL 3 decodes DER through its
 * generic decoder framework, about 10× slower than building a key from JWK parameters.
 */
export function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}
