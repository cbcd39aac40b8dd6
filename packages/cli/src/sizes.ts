/**
 * Byte sizes as people type them: `64MiB`, `1GiB`, `20MB`, `512k`, `1000`.
 * Binary units (KiB, MiB, GiB, TiB; also K, M, G, T) are powers of 1024; decimal
 * units (kB, MB, GB, TB) are powers of 1000. A bare number is bytes.
 */

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tib: 1024 ** 4,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  tb: 1000 ** 4,
}

/** Parses a size; throws a RangeError that quotes the input when it is not one. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text)
  const unit = m === null ? undefined : UNITS[m[2]!.toLowerCase()]
  if (m === null || unit === undefined) {
    throw new RangeError(`not a size: "${text}" (try 64MiB, 1GiB, 20MB or a number of bytes)`)
  }
  const bytes = Math.round(Number(m[1]) * unit)
  if (!Number.isSafeInteger(bytes)) throw new RangeError(`size too large: "${text}"`)
  return bytes
}

/** `1536` → `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let i = 0
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024
    i++
  }
  return `${i === 0 ? value : value.toFixed(value >= 100 ? 0 : 1)} ${units[i]}`
}

/** Megabytes (10^6 bytes) per second, the unit of the perf spec's reports. */
export function megabytesPerSecond(bytes: number, ms: number): number {
  return ms <= 0 ? 0 : bytes / 1e6 / (ms / 1000)
}
