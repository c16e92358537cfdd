/**
 * Every TypeScript sample of the documentation compiles: README.md,
 * docs/*.md and the `@example` blocks of src/. The rules samples follow
 * (left-out imports, the placeholders, the `fragment` and `file=` marks) are
 * in docs/reference.md, "Code samples".
 */

import { fileURLToPath } from 'node:url'

import { describe, expect, it } from 'vitest'

import { compileSamples } from './doc-samples/compile.js'
import { docCommentSamples, findSamples, markdownSamples } from './doc-samples/extract.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const context = fileURLToPath(new URL('./doc-samples/context.ts', import.meta.url))

describe('documentation samples', () => {
  it('finds fenced TypeScript blocks with their marks, in Markdown and in doc comments', () => {
    const markdown = markdownSamples(
      'docs/x.md',
      ['text', '```ts', 'const a = 1', '```', '```sh', 'ls', '```', '```ts fragment', 'partial(', '```'].join(
        '\n',
      ),
    )
    expect(markdown.map(({ where, code, fragment }) => ({ where, code, fragment }))).toEqual([
      { where: 'docs/x.md:2', code: 'const a = 1', fragment: false },
      { where: 'docs/x.md:8', code: 'partial(', fragment: true },
    ])
    const comment = docCommentSamples(
      'src/x.ts',
      ['/**', ' * Does it.', ' *', ' * @example', ' * ```ts file=app.ts', ' * run()', ' * ```', ' */'].join(
        '\n',
      ),
    )
    expect(comment.map(({ where, code, file, line }) => ({ where, code, file, line }))).toEqual([
      { where: 'src/x.ts:5', code: 'run()', file: 'app.ts', line: 6 },
    ])
  })

  it('keeps deliberately partial samples rare', () => {
    const samples = findSamples(root)
    expect(samples.length).toBeGreaterThan(100)
    expect(samples.filter((sample) => sample.fragment).length).toBeLessThanOrEqual(samples.length / 20)
  })

  // One compilation of every sample: tens of seconds on a loaded machine,
  // the time the compiler takes, not a wait for an event.
  it('compiles every sample', { timeout: 300_000 }, () => {
    const errors = compileSamples(root, findSamples(root), context)
    expect(errors.map((error) => `${error.where}: ${error.message}`)).toEqual([])
  })
})
