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

if (
  process.argv[1]?.endsWith('heap-diff.mjs') &&
  !['retainers', 'retained', 'explain'].includes(process.argv[2]) &&
  process.argv.length >= 4
) {
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
      for (const [m, p] of paths)
        for (const [par, name] of parents[m].slice(0, 2)) next.push([par, `${cls(par)}.${name} ← ${p}`])
      paths = next
    }
    for (const [, p] of paths) tally.set(p, (tally.get(p) ?? 0) + 1)
  }
  return [...tally].sort((a, b) => b[1] - a[1]).slice(0, top)
}

if (process.argv[1]?.endsWith('heap-diff.mjs') && process.argv[2] === 'retainers') {
  for (const [p, c] of retainers(process.argv[3], process.argv[4], Number(process.argv[5] ?? 2)))
    console.log(c, p)
}

/**
 * Retained size per class (dominator tree, Cooper–Harvey–Kennedy, weak edges
 * ignored): for each class, the number of instances and the summed retained size of
 * the instances not dominated by another instance of the same class.
 */
export function retainedByClass(file, explain) {
  const snap = JSON.parse(readFileSync(file, 'utf8'))
  const meta = snap.snapshot.meta
  const stride = meta.node_fields.length
  const iType = meta.node_fields.indexOf('type')
  const iName = meta.node_fields.indexOf('name')
  const iSize = meta.node_fields.indexOf('self_size')
  const iEdges = meta.node_fields.indexOf('edge_count')
  const eStride = meta.edge_fields.length
  const eType = meta.edge_fields.indexOf('type')
  const eTo = meta.edge_fields.indexOf('to_node')
  const types = meta.node_types[0]
  const etypes = meta.edge_types[0]
  const weak = etypes.indexOf('weak')
  const { nodes, edges, strings } = snap
  const n = nodes.length / stride
  const firstEdge = new Uint32Array(n + 1)
  for (let i = 0, e = 0; i < n; i++) {
    firstEdge[i] = e
    e += nodes[i * stride + iEdges] * eStride
  }
  firstEdge[n] = edges.length
  // postorder DFS from root 0
  const post = new Int32Array(n).fill(-1)
  const order = new Uint32Array(n)
  let count = 0
  const visited = new Uint8Array(n)
  const stack = [0]
  const cursor = new Uint32Array(n)
  visited[0] = 1
  cursor[0] = firstEdge[0]
  while (stack.length) {
    const v = stack[stack.length - 1]
    let pushed = false
    while (cursor[v] < firstEdge[v + 1]) {
      const e = cursor[v]
      cursor[v] += eStride
      if (edges[e + eType] === weak) continue
      const w = edges[e + eTo] / stride
      if (!visited[w]) {
        visited[w] = 1
        cursor[w] = firstEdge[w]
        stack.push(w)
        pushed = true
        break
      }
    }
    if (!pushed) {
      stack.pop()
      post[v] = count
      order[count++] = v
    }
  }
  // predecessors (reachable only)
  const predStart = new Uint32Array(n + 1)
  for (let v = 0; v < n; v++) {
    if (!visited[v]) continue
    for (let e = firstEdge[v]; e < firstEdge[v + 1]; e += eStride) {
      if (edges[e + eType] === weak) continue
      predStart[edges[e + eTo] / stride + 1]++
    }
  }
  for (let i = 0; i < n; i++) predStart[i + 1] += predStart[i]
  const preds = new Uint32Array(predStart[n])
  const fill = predStart.slice()
  for (let v = 0; v < n; v++) {
    if (!visited[v]) continue
    for (let e = firstEdge[v]; e < firstEdge[v + 1]; e += eStride) {
      if (edges[e + eType] === weak) continue
      const w = edges[e + eTo] / stride
      preds[fill[w]++] = v
    }
  }
  const idom = new Int32Array(n).fill(-1)
  idom[0] = 0
  const intersect = (a, b) => {
    while (a !== b) {
      while (post[a] < post[b]) a = idom[a]
      while (post[b] < post[a]) b = idom[b]
    }
    return a
  }
  for (let changed = true; changed; ) {
    changed = false
    for (let k = count - 1; k >= 0; k--) {
      const v = order[k]
      if (v === 0) continue
      let d = -1
      for (let p = predStart[v]; p < predStart[v + 1]; p++) {
        const u = preds[p]
        if (idom[u] === -1) continue
        d = d === -1 ? u : intersect(u, d)
      }
      if (d !== -1 && idom[v] !== d) {
        idom[v] = d
        changed = true
      }
    }
  }
  const retained = new Float64Array(n)
  for (let k = 0; k < count; k++) {
    const v = order[k]
    retained[v] += nodes[v * stride + iSize]
    if (v !== 0) retained[idom[v]] += retained[v]
  }
  const cls = (v) => {
    const t = types[nodes[v * stride + iType]]
    return `${t}:${t === 'string' || t === 'concatenated string' || t === 'code' || t === 'number' ? '' : strings[nodes[v * stride + iName]].slice(0, 50)}`
  }
  if (explain) {
    // For up to 3 instances of class `explain`: its outgoing edges with the retained size of each target it dominates.
    const ename = meta.edge_fields.indexOf('name_or_index')
    const lines = []
    let shown = 0
    for (let k = 0; k < count && shown < 3; k++) {
      const v = order[k]
      if (cls(v) !== explain) continue
      if (shown++ < 0) continue
      lines.push(`${explain} #${shown}: retained ${retained[v]}, self ${nodes[v * stride + iSize]}`)
      const walk = (u, indent, depth) => {
        for (let e = firstEdge[u]; e < firstEdge[u + 1]; e += eStride) {
          const w = edges[e + eTo] / stride
          if (idom[w] !== u) continue
          const et = etypes[edges[e + eType]]
          const name =
            et === 'element' || et === 'hidden' ? `[${edges[e + ename]}]` : strings[edges[e + ename]]
          if (retained[w] < 40 && depth > 0) continue
          lines.push(`${indent}${name} → ${cls(w)}: ${retained[w]}`)
          if (depth < 3) walk(w, `${indent}  `, depth + 1)
        }
      }
      walk(v, '  ', 0)
    }
    return lines.join('\n')
  }
  const out = new Map()
  for (let k = 0; k < count; k++) {
    const v = order[k]
    const c = cls(v)
    let e = out.get(c)
    if (!e) out.set(c, (e = { count: 0, retained: 0 }))
    e.count++
    // skip if an ancestor in the dominator tree has the same class
    let a = idom[v]
    let nested = false
    while (a !== 0) {
      if (cls(a) === c) {
        nested = true
        break
      }
      a = idom[a]
    }
    if (!nested) e.retained += retained[v]
  }
  return out
}

/** Rows of the retained-size diff between two snapshots, per instance count delta: [class, dCount, dRetained]. */
export function retainedDiff(fileA, fileB, classes = /^(object|closure):/) {
  const a = retainedByClass(fileA)
  const b = retainedByClass(fileB)
  const rows = []
  for (const [k, e] of b) {
    if (!classes.test(k)) continue
    const o = a.get(k) ?? { count: 0, retained: 0 }
    rows.push([k, e.count - o.count, e.retained - o.retained])
  }
  return rows.sort((x, y) => y[2] - x[2])
}

export function formatRetainedDiff(fileA, fileB, perN, top = 30) {
  const lines = ['| class (outermost instances) | count / conn | retained bytes / conn |', '|---|---|---|']
  for (const [k, dc, dr] of retainedDiff(fileA, fileB).slice(0, top)) {
    lines.push(`| \`${k}\` | ${(dc / perN).toFixed(2)} | ${(dr / perN).toFixed(0)} |`)
  }
  return lines.join('\n')
}

if (process.argv[1]?.endsWith('heap-diff.mjs') && process.argv[2] === 'explain') {
  console.log(retainedByClass(process.argv[3], process.argv[4]))
}
if (process.argv[1]?.endsWith('heap-diff.mjs') && process.argv[2] === 'retained') {
  console.log(formatRetainedDiff(process.argv[3], process.argv[4], Number(process.argv[5] ?? 1), 40))
}
