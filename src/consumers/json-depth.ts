/**
 * How deep a decoded JSON value nests, for `JsonWebsocketConsumer`'s
 * `maxJsonDepth`.
 *
 * @module
 * @internal
 */

/**
 * Whether arrays and objects in `value` nest more than `limit` levels deep
 * (`[]` is one level, `[[]]` two). Walks with a stack of its own, never the
 * call stack, and stops at the first path past the limit.
 * @internal
 */
export function nestsDeeper(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false
  const pending: Array<[object, number]> = [[value, 1]]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next
    if (depth > limit) return true
    const children: unknown[] = Array.isArray(node) ? node : Object.values(node)
    for (const child of children) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1])
    }
  }
  return false
}
