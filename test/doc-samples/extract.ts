/**
 * Finds the TypeScript samples of the documentation: fenced `ts` blocks in
 * README.md and docs/*.md, and the `@example` blocks of the doc comments in
 * src/. See docs/reference.md, "Code samples", for the rules they follow.
 *
 * @module
 */

import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

/** One code sample, where it was found and how to compile it. */
export interface Sample {
  /** `docs/routing.md:120` or `src/routing/route.ts:45`, the line of the opening fence. */
  readonly where: string
  /** The file it came from, relative to the repository. */
  readonly source: string
  /** The line of its first line of code in that file. */
  readonly line: number
  readonly code: string
  /** `fragment`: deliberately partial, not compiled. */
  readonly fragment: boolean
  /** The module name other samples of the same file import it by (`file=app.ts`), if any. */
  readonly file: string | undefined
  /**
   * `member=Base`: the sample is the body of a class extending `Base`;
   * `body=Base`: the body of an async method of such a class (`this` is the consumer).
   */
  readonly wrap: { readonly kind: 'member' | 'body'; readonly base: string } | undefined
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*(\S*)(.*)$/
const LANGUAGES = new Set(['ts', 'typescript', 'mts'])

/** Every sample of the repository at `root`, in a stable order. */
export function findSamples(root: string): Sample[] {
  const markdown = ['README.md', ...listFiles(join(root, 'docs'), '.md').map((file) => relative(root, file))]
  const sources = listFiles(join(root, 'src'), '.ts').map((file) => relative(root, file))
  return [
    ...markdown.flatMap((file) => markdownSamples(file, readFileSync(join(root, file), 'utf8'))),
    ...sources.flatMap((file) => docCommentSamples(file, readFileSync(join(root, file), 'utf8'))),
  ]
}

/** The fenced TypeScript blocks of a Markdown file. */
export function markdownSamples(source: string, text: string): Sample[] {
  return fencedBlocks(source, text.split('\n'), 0)
}

/** The fenced TypeScript blocks inside the `/** … *\/` comments of a source file. */
export function docCommentSamples(source: string, text: string): Sample[] {
  const lines = text.split('\n')
  const samples: Sample[] = []
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*\/\*\*/.test(lines[i]!)) continue
    const start = i
    while (i < lines.length && !lines[i]!.includes('*/')) i++
    const body = lines.slice(start, i + 1).map((line) =>
      line
        .replace(/^\s*\/\*\*\s?/, '')
        .replace(/\s*\*\/\s*$/, '')
        .replace(/^\s*\*\s?/, ''),
    )
    samples.push(...fencedBlocks(source, body, start))
  }
  return samples
}

function fencedBlocks(source: string, lines: string[], offset: number): Sample[] {
  const samples: Sample[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!)
    if (open === null) continue
    const [, indent = '', fence = '', language = '', rest = ''] = open
    const end = lines.findIndex(
      (line, j) => j > i && line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '',
    )
    const close = end === -1 ? lines.length : end
    if (LANGUAGES.has(language.toLowerCase())) {
      const words = rest.trim().split(/\s+/)
      const code = lines
        .slice(i + 1, close)
        .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
        .join('\n')
      samples.push({
        where: `${source}:${offset + i + 1}`,
        source,
        line: offset + i + 2,
        code,
        fragment: words.includes('fragment'),
        file: words.find((word) => word.startsWith('file='))?.slice('file='.length),
        wrap: wrapOf(words),
      })
    }
    i = close
  }
  return samples
}

function wrapOf(words: readonly string[]): Sample['wrap'] {
  for (const word of words) {
    const [kind, base] = word.split('=')
    if ((kind === 'member' || kind === 'body') && base) return { kind, base }
  }
  return undefined
}

function listFiles(dir: string, extension: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(extension))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()
}
