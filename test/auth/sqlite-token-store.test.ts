import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import Database from 'better-sqlite3'
import { afterAll, describe, expect, it, onTestFinished } from 'vitest'

import { TokenAuthMiddleware } from '../../src/auth/token-auth-middleware.js'
import type { TokenStore } from '../../src/auth/token-store.js'
import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import { ImproperlyConfigured } from '../../src/errors.js'
import { SqliteTokenStore, SqliteUserStore } from '../../src/sqlite.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'
import { runTokenStoreSuite } from './token-store-suite.js'
import type { TokenRow } from './token-store-suite.js'

const dir = mkdtempSync(join(tmpdir(), 'tschannels-tokens-'))
let n = 0
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const nextFile = (): string => join(dir, `tokens-${n++}.sqlite3`)

/** Reads the table through a connection of its own, as another process would. */
function readFile(filename: string): TokenRow[] {
  const db = new Database(filename, { readonly: true })
  try {
    return db.prepare<[], TokenRow>('SELECT * FROM tschannels_token').all()
  } finally {
    db.close()
  }
}

const files = new WeakMap<TokenStore, string>()
runTokenStoreSuite('SqliteTokenStore (file)', {
  newStore: () => {
    const filename = nextFile()
    const store = new SqliteTokenStore({ filename })
    files.set(store, filename)
    return store
  },
  newPair: () => {
    const filename = nextFile()
    return [new SqliteTokenStore({ filename }), new SqliteTokenStore({ filename })]
  },
  readRows: (store) => readFile(files.get(store)!),
})

/** A shared `:memory:` database, closed when the test ends. */
function memoryDatabase(): Database.Database {
  const db = new Database(':memory:')
  onTestFinished(() => {
    db.close()
  })
  return db
}

const databases = new WeakMap<TokenStore, Database.Database>()
runTokenStoreSuite("SqliteTokenStore (':memory:' database)", {
  newStore: () => {
    const database = memoryDatabase()
    const store = new SqliteTokenStore({ database })
    databases.set(store, database)
    return store
  },
  newPair: () => {
    const database = memoryDatabase()
    return [new SqliteTokenStore({ database }), new SqliteTokenStore({ database })]
  },
  readRows: (store) => databases.get(store)!.prepare<[], TokenRow>('SELECT * FROM tschannels_token').all(),
})

describe('SqliteTokenStore', () => {
  it("works on a private ':memory:' database", async () => {
    const store = new SqliteTokenStore({ filename: ':memory:' })
    onTestFinished(() => store.close())
    const token = await store.create('7')
    expect(await store.getUserId(token)).toBe('7')
  })

  it('keeps tokens in the file across store instances', async () => {
    const filename = nextFile()
    const a = new SqliteTokenStore({ filename })
    const token = await a.create('7')
    await a.close()
    const b = new SqliteTokenStore({ filename })
    onTestFinished(() => b.close())
    expect(await b.getUserId(token)).toBe('7')
  })

  it('creates the table it is given, with an index on user_id', async () => {
    const database = memoryDatabase()
    const store = new SqliteTokenStore({ database, table: 'authtoken' })
    onTestFinished(() => store.close())
    await store.create('7')
    const plan = database
      .prepare<[], { detail: string }>("EXPLAIN QUERY PLAN DELETE FROM authtoken WHERE user_id = '7'")
      .all()
    expect(plan.map((step) => step.detail).join('\n')).toMatch(/USING INDEX authtoken_user_id/)
  })

  it('refuses a table name that is not a plain identifier', () => {
    expect(() => new SqliteTokenStore({ filename: ':memory:', table: 'x; drop table y' })).toThrow(
      ImproperlyConfigured,
    )
  })

  describe('#close', () => {
    it('closes the file it opened, so later calls reject and the WAL file goes away', async () => {
      const filename = nextFile()
      const store = new SqliteTokenStore({ filename })
      const token = await store.create('7')
      expect(existsSync(`${filename}-wal`)).toBe(true)
      await store.close()
      // SQLite removes the write-ahead log when the last connection to the file closes.
      expect(existsSync(`${filename}-wal`)).toBe(false)
      await expect(store.getUserId(token)).rejects.toThrow(/not open/)
    })

    it('leaves a shared database open', async () => {
      const database = memoryDatabase()
      const store = new SqliteTokenStore({ database })
      await store.create('7')
      await store.close()
      expect(database.open).toBe(true)
      expect(database.prepare('SELECT count(*) AS n FROM tschannels_token').get()).toEqual({ n: 1 })
    })
  })
})

class Whoami extends WebsocketConsumer {
  override async connect() {
    await this.accept()
    const user = await this.scope.user!
    await this.send({
      text: JSON.stringify({
        anonymous: user.isAnonymous,
        username: user.username,
        authError: this.scope.authError?.reason ?? null,
      }),
    })
  }
}

describe('TokenAuthMiddleware with SqliteTokenStore', () => {
  it('connects with a valid token and leaves the user anonymous once it is revoked', async () => {
    // Users and tokens in one SQLite file, as an application would keep them.
    const database = new Database(nextFile())
    onTestFinished(() => {
      database.close()
    })
    const users = new SqliteUserStore({ database })
    const tokens = new SqliteTokenStore({ database })
    const ada = await users.create({ username: 'ada', passwordHash: 'x' })
    const token = await tokens.create(ada.id)
    const app = TokenAuthMiddleware(Whoami.asApp(), { tokens, users })
    const connect = async (): Promise<unknown> => {
      const communicator = new WebsocketCommunicator(app, '/', {
        headers: [['authorization', `Token ${token}`]],
      })
      expect((await communicator.connect()).connected).toBe(true)
      const seen = await communicator.receiveJsonFrom()
      await communicator.disconnect()
      return seen
    }

    expect(await connect()).toEqual({ anonymous: false, username: 'ada', authError: null })
    await tokens.delete(token)
    expect(await connect()).toEqual({ anonymous: true, username: '', authError: 'invalid' })
  })
})
