/**
 * The published declarations compile in a user's project: the package is
 * built, packed with `npm pack` and unpacked into a project of its own, which
 * imports every entry point and is compiled with `skipLibCheck: false` under
 * each module resolution TypeScript offers for Node (node16, nodenext,
 * bundler, and node10 through `typesVersions`).
 */

import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, { types: string } | string>
  typesVersions?: Record<string, Record<string, string[]>>
}
const subpaths = Object.keys(manifest.exports).filter((subpath) => subpath !== './package.json')
const entryNames = subpaths.map((subpath) =>
  subpath === '.' ? 'tschannels' : `tschannels/${subpath.slice(2)}`,
)

// Under node_modules/.cache, so that the project finds the repository's own
// dependencies (the optional peers, @types/node) the way an application
// finds its own, and so that the package is found only as installed.
const cache = join(root, 'node_modules', '.cache')
let project: string

/** A consumer's code: every entry point, a typed consumer, and mistakes the declarations must catch. */
const APP = `${entryNames.map((name, i) => `import * as entry${i} from '${name}'`).join('\n')}
import { JsonWebsocketConsumer, URLRouter, path } from 'tschannels'
import type { ChannelsErrorCode, InvalidToken, MessageOf, PathKwargs } from 'tschannels'

export const entries = [${entryNames.map((_, i) => `entry${i}`).join(', ')}]

interface RoomMessages {
  'room.message': { text: string }
}
const ROOM = 'ws/rooms/<slug:room>/'

class Room extends JsonWebsocketConsumer<{ text: string }, { text: string }, { messages: RoomMessages; kwargs: PathKwargs<typeof ROOM> }> {
  override async connect(): Promise<void> {
    // scope.authError is the error class, not \`any\`.
    const error: InvalidToken | undefined = this.scope.authError
    // @ts-expect-error: an InvalidToken is not a number.
    const wrong: number = this.scope.authError
    void wrong
    if (error !== undefined) return this.close(error.closeCode)
    await this.accept()
  }
  override async receiveJson({ text }: { text: string }): Promise<void> {
    await this.channelLayer.groupSend(this.kwargs.room, { type: 'room.message', text })
    // @ts-expect-error: a misspelt message type.
    await this.channelLayer.groupSend(this.kwargs.room, { type: 'room.mesage', text })
  }
  async roomMessage(message: MessageOf<RoomMessages, 'room.message'>): Promise<void> {
    await this.sendJson({ text: message.text })
  }
}

class Misspelt extends JsonWebsocketConsumer<unknown, unknown, { messages: RoomMessages }> {
  async roomMesage(_message: MessageOf<RoomMessages, 'room.message'>): Promise<void> {}
}

export const routes = URLRouter([
  path(ROOM, Room.asApp()),
  // @ts-expect-error: roomMessage() is missing.
  path('ws/misspelt/', Misspelt.asApp()),
])

export function isFull(code: ChannelsErrorCode): boolean {
  // @ts-expect-error: not a code tschannels has.
  if (code === 'CHANNELS_ERR_CHANEL_FULL') return true
  return code === 'CHANNELS_ERR_CHANNEL_FULL'
}
`

const CONFIGS: Record<string, Record<string, unknown>> = {
  node16: { module: 'node16', moduleResolution: 'node16' },
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
  // The optional peers' own declarations (pg, better-sqlite3) need esModuleInterop there.
  node10: { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true },
}

beforeAll(() => {
  mkdirSync(cache, { recursive: true })
  project = mkdtempSync(join(cache, 'declarations-'))
  const build = join(project, 'build')
  // Built and packed from a copy, so that the repository's dist/ is left as it is.
  mkdirSync(build)
  for (const file of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md']) {
    cpSync(join(root, file), join(build, file))
  }
  cpSync(join(root, 'src'), join(build, 'src'), { recursive: true })
  cpSync(join(root, 'docs'), join(build, 'docs'), { recursive: true })
  execFileSync(process.execPath, [tsc, '-p', join(build, 'tsconfig.build.json')], {
    cwd: build,
    stdio: 'pipe',
  })
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', project], {
      cwd: build,
      encoding: 'utf8',
    }),
  ) as { filename: string }[]
  const modules = join(project, 'node_modules')
  mkdirSync(modules)
  execFileSync('tar', ['-xzf', join(project, packed[0]!.filename), '-C', modules])
  renameSync(join(modules, 'package'), join(modules, 'tschannels'))
  rmSync(build, { recursive: true, force: true })
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  )
  writeFileSync(join(project, 'app.ts'), APP)
  // A scope extension, as an application declares it, against the built package.
  cpSync(
    join(root, 'test-d', 'scope-extensions', 'scope-extensions.ts'),
    join(project, 'scope-extensions.ts'),
  )
}, 300_000)

afterAll(() => {
  if (project !== undefined) rmSync(project, { recursive: true, force: true })
})

/** Compiles the project with `options`; the compiler's output, empty when it passed. */
function compile(name: string, options: Record<string, unknown>): string {
  const config = join(project, `tsconfig.${name}.json`)
  writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: { strict: true, target: 'ES2022', noEmit: true, types: ['node'], ...options },
      files: ['app.ts', 'scope-extensions.ts'],
    }),
  )
  try {
    execFileSync(process.execPath, [tsc, '-p', config], { cwd: project, encoding: 'utf8', stdio: 'pipe' })
    return ''
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error)
  }
}

describe('the published declarations', () => {
  // Each case runs the compiler over the package's declarations: seconds, not a wait.
  it.each(Object.keys(CONFIGS))(
    'compile in a consumer project under moduleResolution %s with skipLibCheck false',
    { timeout: 120_000 },
    (name) => {
      expect(compile(name, { ...CONFIGS[name], skipLibCheck: false })).toBe('')
    },
  )

  it('keep scope.authError typed with skipLibCheck true', { timeout: 120_000 }, () => {
    expect(compile('skip-lib-check', { ...CONFIGS.nodenext, skipLibCheck: true })).toBe('')
  })

  it('map every entry point for node10 in typesVersions', () => {
    const mapped = manifest.typesVersions?.['*'] ?? {}
    for (const subpath of subpaths.filter((subpath) => subpath !== '.')) {
      const target = manifest.exports[subpath]
      const types = typeof target === 'string' ? target : target?.types
      expect(mapped[subpath.slice(2)], subpath).toEqual([types])
    }
  })
})
