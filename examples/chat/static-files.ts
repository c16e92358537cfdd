/**
 * The page and its files from `public/`: `GET /` is `index.html`, and only
 * files with a known type under the folder are served, never a dotfile and
 * never anything outside it.
 *
 * @module
 */

import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { extname, join, sep } from 'node:path'

import { HttpConsumer } from 'tschannels'

/** Content types served; any other extension is 404. Module scripts must be `text/javascript`. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
}

// The page loads nothing from elsewhere and has no inline script or style.
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
}

interface CachedFile {
  mtimeMs: number
  size: number
  body: Buffer
  etag: string
}

/**
 * Serves files from `root` (set by `asApp({ root })`). Files are not
 * fingerprinted, so they are sent with `Cache-Control: no-cache` and an
 * `ETag`: browsers revalidate and get a 304 when nothing changed. Contents
 * are cached in memory while the file's size and mtime stay the same.
 */
export class StaticFiles extends HttpConsumer {
  /** The folder served; set by `asApp({ root })`. */
  declare root: string
  /** Shared by every request of one `asApp()`. */
  declare cache: Map<string, CachedFile>

  override async handle(): Promise<void> {
    if (this.scope.method !== 'GET' && this.scope.method !== 'HEAD') {
      return this.sendResponse(405, 'Method Not Allowed', {
        headers: { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' },
      })
    }
    const file = this.#resolve(this.scope.path)
    const type = file === null ? undefined : CONTENT_TYPES[extname(file)]
    const cached = file === null || type === undefined ? null : await this.#load(file)
    if (cached === null) {
      return this.sendResponse(404, 'Not Found', { headers: { 'content-type': 'text/plain; charset=utf-8' } })
    }
    const headers: Record<string, string> = {
      'content-type': type!,
      'cache-control': 'no-cache',
      etag: cached.etag,
      'x-content-type-options': 'nosniff',
      ...(type!.startsWith('text/html') ? PAGE_HEADERS : {}),
    }
    const match = this.scope.headers.find(([name]) => name === 'if-none-match')?.[1]
    if (match !== undefined && match.split(/\s*,\s*/).includes(cached.etag)) {
      return this.sendResponse(304, '', { headers })
    }
    await this.sendResponse(200, this.scope.method === 'HEAD' ? '' : cached.body, { headers })
  }

  /** The file a URL path names, or `null` when it would leave `root` or name a hidden file. */
  #resolve(urlPath: string): string | null {
    const segments = urlPath.split('/').filter((segment) => segment !== '')
    if (segments.length === 0) segments.push('index.html')
    // `path` is already percent-decoded, so `%2e%2e` and `%2f` arrive here as `..` and `/`.
    if (segments.some((s) => s.startsWith('.') || s.includes('\\') || s.includes('\0'))) return null
    const file = join(this.root, ...segments)
    return file.startsWith(this.root + sep) ? file : null
  }

  async #load(file: string): Promise<CachedFile | null> {
    let info
    try {
      info = await stat(file)
    } catch {
      return null
    }
    if (!info.isFile()) return null
    const cached = this.cache.get(file)
    if (cached !== undefined && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached
    const body = await readFile(file)
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`
    const fresh = { mtimeMs: info.mtimeMs, size: info.size, body, etag }
    this.cache.set(file, fresh)
    return fresh
  }
}
