/**
 * What `npm install git+…` and `npm publish` hand a user: from a checkout
 * without `dist/` (as a git clone is), `npm pack` must build it (`prepare`),
 * ship every entry point and the CLI, keep sources and tests out, and ship
 * source maps that carry their TypeScript source, since `src/` is not shipped.
 */

import { execFile, execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../', import.meta.url))

interface PackedFile {
  path: string
}

let checkout: string
let files: string[]

/** Copies what git would check out (tracked and new files, nothing ignored, so no dist/). */
function gitCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tschannels-pack-'))
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: root,
    encoding: 'utf8',
  })
  for (const file of listed.split('\0')) {
    if (file === '' || !existsSync(join(root, file))) continue
    cpSync(join(root, file), join(dir, file))
  }
  // The dependencies a git install would have installed before `prepare`.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'))
  return dir
}

describe('the npm package', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    checkout = gitCheckout()
    expect(existsSync(join(checkout, 'dist'))).toBe(false)
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        'npm',
        ['pack', '--dry-run', '--json'],
        { cwd: checkout, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_loglevel: 'error' } },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
      ),
    )
    files = (JSON.parse(stdout) as Array<{ files: PackedFile[] }>)[0]!.files.map((file) => file.path)
  }, 240_000)

  afterAll(() => {
    if (checkout) rmSync(checkout, { recursive: true, force: true })
  })

  it('builds dist/ from a checkout that has none, and ships every entry point and the CLI', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, string | { types: string; default: string }>
      bin: Record<string, string>
    }
    const wanted = [
      ...Object.values(pkg.exports).flatMap((target) =>
        typeof target === 'string' ? [target] : [target.types, target.default],
      ),
      ...Object.values(pkg.bin),
    ].map((path) => path.replace(/^\.\//, ''))
    expect(wanted).toContain('dist/cli.js')
    for (const path of wanted) expect(files).toContain(path)
  })

  it('keeps sources, tests, benchmarks and examples out', () => {
    const stray = files.filter((path) => /^(src|test|test-d|bench|examples)\//.test(path))
    expect(stray).toEqual([])
  })

  it('ships a source map for every module, carrying the TypeScript it maps to', () => {
    const modules = files.filter((path) => path.startsWith('dist/') && path.endsWith('.js'))
    expect(modules.length).toBeGreaterThan(50)
    for (const module of modules) {
      expect(files).toContain(`${module}.map`)
      const map = JSON.parse(readFileSync(join(checkout, `${module}.map`), 'utf8')) as {
        sources: string[]
        sourcesContent?: Array<string | null>
      }
      expect(map.sources.length, module).toBeGreaterThan(0)
      expect(map.sourcesContent?.length, module).toBe(map.sources.length)
      for (const [index, source] of map.sources.entries()) {
        const original = readFileSync(join(dirname(join(checkout, module)), source), 'utf8')
        expect(map.sourcesContent![index], `${module} → ${source}`).toBe(original)
      }
    }
  })

  it('answers tschannels --version with the package version', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
    const output = execFileSync(process.execPath, [join(checkout, 'dist', 'cli.js'), '--version'], {
      encoding: 'utf8',
    })
    expect(output.trim()).toBe(version)
  })
})
