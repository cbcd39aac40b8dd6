// Summarises a V8 heap snapshot (.heapsnapshot JSON) by class — self size and count
// per (node type, constructor/function name) — and diffs two summaries. Used by
// idle-memory.bench.mjs; also runnable: `node heap-diff.mjs before.heapsnapshot after.heapsnapshot [perN]`.
import { readFileSync } from 'node:fs'

export function summarize(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'))
  const meta = snap.snapshot.meta
  const fields = meta.node_fields
  const stride = fields.length
  const iType = fields.indexOf('type')
  const iName = fields.indexOf('name')
  const iSize = fields.indexOf('self_size')
  const types = meta.node_types[0]
  const { nodes, strings } = snap
  const byClass = new Map()
  let total = 0
  for (let i = 0; i < nodes.length; i += stride) {
    const type = types[nodes[i + iType]]
    const size = nodes[i + iSize]
    total += size
    let name = strings[nodes[i + iName]]
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = ''
    else if (type === 'code' || type === 'number' || type === 'bigint') name = ''
    else if (type === 'hidden' || type === 'array' || type === 'object shape') name = name.slice(0, 40)
    else name = name.slice(0, 60)
    const key = `${type}:${name}`
    const e = byClass.get(key)
    if (e) {
      e.count++
      e.size += size
    } else byClass.set(key, { count: 1, size })
  }
  return { total, byClass }
}

/** Rows sorted by size delta: [key, dCount, dSize]. */
export function diff(a, b) {
  const rows = []
  for (const [key, e] of b.byClass) {
    const o = a.byClass.get(key) ?? { count: 0, size: 0 }
    rows.push([key, e.count - o.count, e.size - o.size])
  }
  for (const [key, o] of a.byClass) if (!b.byClass.has(key)) rows.push([key, -o.count, -o.size])
  return rows.sort((x, y) => y[2] - x[2])
}

export function formatDiff(a, b, perN, top = 30) {
  const rows = diff(a, b)
  const lines = [
    `total self size delta: ${((b.total - a.total) / perN).toFixed(0)} B per connection`,
    '| class (type:name) | count / conn | bytes / conn |',
    '|---|---|---|',
  ]
  for (const [key, dc, ds] of rows.slice(0, top)) {
    lines.push(`| \`${key}\` | ${(dc / perN).toFixed(2)} | ${(ds / perN).toFixed(0)} |`)
  }
  return lines.join('\n')
}

if (process.argv[1]?.endsWith('heap-diff.mjs') && process.argv.length >= 4) {
  const perN = Number(process.argv[4] ?? 1)
  console.log(formatDiff(summarize(process.argv[2]), summarize(process.argv[3]), perN, 40))
}

/**
 * For every node whose class (`type:name`, as in summarize) is `key`, tallies who
 * holds it: `retainer class --edge--> `, `depth` levels up (the most common paths).
 */
export function retainers(file, key, depth = 2, top = 15) {
  const snap = JSON.parse(readFileSync(file, 'utf8'))
  const meta = snap.snapshot.meta
  const stride = meta.node_fields.length
  const iType = meta.node_fields.indexOf('type')
  const iName = meta.node_fields.indexOf('name')
  const iEdges = meta.node_fields.indexOf('edge_count')
  const eStride = meta.edge_fields.length
  const eType = meta.edge_fields.indexOf('type')
  const eName = meta.edge_fields.indexOf('name_or_index')
  const eTo = meta.edge_fields.indexOf('to_node')
  const types = meta.node_types[0]
  const etypes = meta.edge_types[0]
  const { nodes, edges, strings } = snap
  const nNodes = nodes.length / stride
  const cls = (n) => {
    const t = types[nodes[n * stride + iType]]
    return `${t}:${t === 'string' || t === 'concatenated string' || t === 'code' ? '' : strings[nodes[n * stride + iName]].slice(0, 50)}`
  }
  // reverse edges (first retainer path only per level, weak edges skipped)
  const parents = Array.from({ length: nNodes }, () => [])
  let e = 0
  for (let n = 0; n < nNodes; n++) {
    const count = nodes[n * stride + iEdges]
    for (let k = 0; k < count; k++, e += eStride) {
      const et = etypes[edges[e + eType]]
      if (et === 'weak') continue
      const name = et === 'element' || et === 'hidden' ? `[${edges[e + eName]}]` : strings[edges[e + eName]]
      parents[edges[e + eTo] / stride].push([n, name])
    }
  }
  const tally = new Map()
  for (let n = 0; n < nNodes; n++) {
    if (cls(n) !== key) continue
    let paths = [[n, '']]
    for (let d = 0; d < depth; d++) {
      const next = []
      for (const [m, p] of paths) for (const [par, name] of parents[m].slice(0, 2)) next.push([par, `${cls(par)}.${name} ← ${p}`])
      paths = next
    }
    for (const [, p] of paths) tally.set(p, (tally.get(p) ?? 0) + 1)
  }
  return [...tally].sort((a, b) => b[1] - a[1]).slice(0, top)
}

if (process.argv[1]?.endsWith('heap-diff.mjs') && process.argv[2] === 'retainers') {
  for (const [p, c] of retainers(process.argv[3], process.argv[4], Number(process.argv[5] ?? 2))) console.log(c, p)
}
