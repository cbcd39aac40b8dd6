/**
 * `/perf/1.0.0` (../../shared/specs/libp2p/perf/perf.md), both roles.
 *
 * Client: send the number of bytes it wants back as a big-endian uint64, upload,
 * end its write side, read until EOF. Server: read the uint64, drain the upload
 * to EOF, then send the requested bytes and end (never both at once, spec step 3).
 *
 * Both sides are push-based: bytes are counted in the sink and written in a loop
 * driven by drain, with no promise per chunk.
 */
import {
  type AbortOptions,
  type ByteStream,
  raceSignal,
  SwitchyardError,
  throwIfAborted,
} from '@switchyard/interface'

/** The protocol id. */
export const PERF_PROTOCOL = '/perf/1.0.0'

/** Bytes per write. The payload is a predetermined buffer of zeros (spec: "Zero is fine"). */
const CHUNK_BYTES = 64 * 1024
const ZEROS = new Uint8Array(CHUNK_BYTES)

/** Error codes of the perf protocol. */
export type PerfErrorCode = 'PERF_SHORT_DOWNLOAD' | 'PERF_LONG_DOWNLOAD' | 'PERF_BAD_REQUEST'

/** A perf run that broke the protocol. */
export class PerfError extends SwitchyardError<PerfErrorCode> {}

/** Progress of a client run, reported at most every `progressIntervalBytes`. */
export interface PerfProgress {
  uploadedBytes: number
  downloadedBytes: number
}

/** Options of `runPerf`. */
export interface PerfOptions extends AbortOptions {
  /** Bytes to upload. Default 0. */
  uploadBytes?: number
  /** Bytes to ask the server for. Default 0. */
  downloadBytes?: number
  /** Called as bytes move (at most every 1 MiB). */
  onProgress?: (progress: PerfProgress) => void
}

/** What a client run measured; times are monotonic milliseconds. */
export interface PerfResult {
  uploadBytes: number
  downloadBytes: number
  /** From the first byte written to the end of the upload (our EOF handed to the stream). */
  uploadMs: number
  /** From the end of the upload to the server's EOF. */
  downloadMs: number
  totalMs: number
}

/**
 * Runs one perf exchange on `stream` (taken over; it is closed afterwards).
 */
export function runPerf(stream: ByteStream, options: PerfOptions = {}): Promise<PerfResult> {
  throwIfAborted(options.signal)
  const uploadBytes = checkSize(options.uploadBytes ?? 0, 'uploadBytes')
  const downloadBytes = checkSize(options.downloadBytes ?? 0, 'downloadBytes')
  const onProgress = options.onProgress
  const PROGRESS_STEP = 1024 * 1024

  const done = new Promise<PerfResult>((resolve, reject) => {
    const start = performance.now()
    let uploadEnd = start
    let uploaded = 0
    let downloaded = 0
    let nextProgress = PROGRESS_STEP

    const progress = () => {
      if (onProgress !== undefined && uploaded + downloaded >= nextProgress) {
        nextProgress = uploaded + downloaded + PROGRESS_STEP
        onProgress({ uploadedBytes: uploaded, downloadedBytes: downloaded })
      }
    }

    stream.onceClosed((err) => {
      if (err !== undefined) reject(err)
    })
    stream.setSink({
      onData(chunk) {
        downloaded += chunk.byteLength
        if (downloaded > downloadBytes) {
          const err = new PerfError(
            'PERF_LONG_DOWNLOAD',
            `server sent more than the ${downloadBytes} bytes asked for`,
          )
          stream.destroy(err)
          reject(err)
          return
        }
        progress()
      },
      onEnd() {
        if (downloaded !== downloadBytes) {
          const err = new PerfError(
            'PERF_SHORT_DOWNLOAD',
            `server sent ${downloaded} of the ${downloadBytes} bytes asked for`,
          )
          stream.destroy(err)
          reject(err)
          return
        }
        const end = performance.now()
        onProgress?.({ uploadedBytes: uploaded, downloadedBytes: downloaded })
        resolve({
          uploadBytes,
          downloadBytes,
          uploadMs: uploadEnd - start,
          downloadMs: end - uploadEnd,
          totalMs: end - start,
        })
      },
    })
    stream.resume()

    const header = new Uint8Array(8)
    new DataView(header.buffer).setBigUint64(0, BigInt(downloadBytes))
    stream.write(header)
    const pump = () => {
      while (uploaded < uploadBytes) {
        const n = Math.min(CHUNK_BYTES, uploadBytes - uploaded)
        uploaded += n
        const more = stream.write(n === CHUNK_BYTES ? ZEROS : ZEROS.subarray(0, n))
        progress()
        if (!more) {
          stream.onceDrain(pump)
          return
        }
      }
      uploadEnd = performance.now()
      stream.end()
    }
    pump()
  })
  return raceSignal(done, options.signal, (reason) =>
    stream.destroy(reason instanceof Error ? reason : undefined),
  )
}

/** Options of `handlePerf`. */
export interface PerfServerOptions {
  /** Refuse requests for more than this many bytes (the stream is reset). Default: no limit. */
  maxSendBytes?: number
}

/**
 * The server side: takes `stream` over, reads the request, drains the upload,
 * then sends the requested bytes and ends.
 */
export function handlePerf(stream: ByteStream, options: PerfServerOptions = {}): void {
  const maxSendBytes = options.maxSendBytes ?? Number.POSITIVE_INFINITY
  const header = new Uint8Array(8)
  let headerBytes = 0
  stream.setSink({
    onData(chunk) {
      if (headerBytes === 8) return // the upload: counted by nobody, dropped
      const take = Math.min(8 - headerBytes, chunk.byteLength)
      header.set(chunk.subarray(0, take), headerBytes)
      headerBytes += take
    },
    onEnd() {
      if (headerBytes < 8) {
        stream.destroy(new PerfError('PERF_BAD_REQUEST', 'the stream ended before the 8-byte request'))
        return
      }
      const requested = new DataView(header.buffer).getBigUint64(0)
      // Past 2^53 the count is "forever" (the spec's timer-based download).
      const total = requested > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(requested)
      if (total > maxSendBytes) {
        stream.destroy(
          new PerfError('PERF_BAD_REQUEST', `request for ${requested} bytes exceeds ${maxSendBytes}`),
        )
        return
      }
      let sent = 0
      const pump = () => {
        while (sent < total && !stream.closed) {
          const n = Math.min(CHUNK_BYTES, total - sent)
          sent += n
          if (!stream.write(n === CHUNK_BYTES ? ZEROS : ZEROS.subarray(0, n))) {
            stream.onceDrain(pump)
            return
          }
        }
        stream.end()
      }
      pump()
    },
  })
  stream.resume()
}

function checkSize(n: number, name: string): number {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`${name} must be a non-negative safe integer, got ${n}`)
  return n
}
