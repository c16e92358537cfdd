/**
 * Every TypeScript sample in docs/django.md type-checks against the
 * sources, as a module of its own, so the guide cannot drift from the API.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))
const guide = readFileSync(join(root, 'docs/django.md'), 'utf8')
const blocks = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!)

describe('docs/django.md', () => {
  it('has its samples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8)
  })

  it('type-checks every TypeScript sample', () => {
    const config = ts.readConfigFile(join(root, 'tsconfig.json'), (path) => ts.sys.readFile(path))
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root)
    // Inside node_modules, so the samples resolve the packages they import (ioredis) as a user's code would.
    const folder = mkdtempSync(join(root, 'node_modules', '.tschannels-django-docs-'))
    try {
      const files = blocks.map((code, index) => {
        const file = join(folder, `sample-${index}.ts`)
        writeFileSync(file, code)
        return file
      })
      writeFileSync(join(folder, 'package.json'), '{ "type": "module" }')
      const program = ts.createProgram(files, { ...parsed.options, baseUrl: root, noEmit: true })
      const problems = ts
        .getPreEmitDiagnostics(program)
        .filter((diagnostic) => diagnostic.file === undefined || diagnostic.file.fileName.startsWith(folder))
        .map((diagnostic) => {
          const where = diagnostic.file
            ? `${diagnostic.file.fileName.slice(folder.length + 1)}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}`
            : ''
          return `${where} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`
        })
      expect(problems).toEqual([])
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
  }, 60_000)
})
