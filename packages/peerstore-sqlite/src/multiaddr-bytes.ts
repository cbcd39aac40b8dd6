/**
 * A structural check of binary multiaddrs read back from the database, without
 * building `Multiaddr` objects (loading 100,000 peers would otherwise build half
 * a million of them before any is needed).
 *
 * Multiaddr binary format (multiformats/multiaddr spec, "Binary format"): a
 * sequence of `<varint protocol code><value>`, where the value has the protocol's
 * fixed size, none, or (size `V`) a varint length prefix. The protocol table is
 * `@multiformats/multiaddr`'s own `registry`, so this accepts what it decodes.
 */
import { registry, V } from '@multiformats/multiaddr'

/** Reads an unsigned LEB128 varint (at most 9 bytes, as multiformats unsigned-varint) into `out`; false when malformed. */
function readVarint(bytes: Uint8Array, offset: number, out: { value: number; next: number }): boolean {
  let value = 0
  let shift = 1
  for (let i = offset; i < bytes.byteLength && i < offset + 9; i++) {
    const b = bytes[i] as number
    value += (b & 0x7f) * shift
    shift *= 128
    if ((b & 0x80) === 0) {
      out.value = value
      out.next = i + 1
      return true
    }
  }
  return false
}

const cursor = { value: 0, next: 0 }

/** True when `bytes` is a well-formed binary multiaddr of known protocols. */
export function isMultiaddrBytes(bytes: Uint8Array): boolean {
  if (bytes.byteLength === 0) return false
  let i = 0
  while (i < bytes.byteLength) {
    if (!readVarint(bytes, i, cursor)) return false
    let size: number | undefined
    try {
      size = registry.getProtocol(cursor.value).size
    } catch {
      return false // unknown protocol code
    }
    i = cursor.next
    if (size === V) {
      if (!readVarint(bytes, i, cursor)) return false
      i = cursor.next + cursor.value
    } else {
      i += (size ?? 0) / 8
    }
    if (i > bytes.byteLength) return false
  }
  return true
}
