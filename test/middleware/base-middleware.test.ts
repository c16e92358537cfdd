import { describe, expect, it } from 'vitest'

import { ImproperlyConfigured } from '../../src/errors.js'
import { BaseMiddleware } from '../../src/middleware/index.js'
import type { Application, Message, Receive, Scope, Send } from '../../src/types.js'
import { receive, recorder, run, send, websocketScope } from '../routing/recorder.js'

/** Tests add fields without augmenting ScopeExtensions for the whole project. */
type TaggedScope = Scope & { tenant?: string; tags?: string[] }

class TenantMiddleware extends BaseMiddleware {
  protected override async populateScope(scope: TaggedScope): Promise<void> {
    // Awaiting shows that call() waits for an asynchronous populateScope.
    await Promise.resolve()
    scope.tenant = 'acme'
  }
}

class RenamingMiddleware extends BaseMiddleware {
  protected override populateScope(scope: TaggedScope): void {
    scope.tenant = 'renamed'
  }
}

describe('BaseMiddleware', () => {
  describe('#populateScope', () => {
    it('adds a field the inner application sees', async () => {
      const inner = recorder()
      await run(TenantMiddleware.wrap(inner.app), websocketScope('/'))
      expect((inner.scope as TaggedScope).tenant).toBe('acme')
    })

    it('changes a copy, so the caller scope stays as it was', async () => {
      const inner = recorder()
      const scope = websocketScope('/chat/')
      await run(TenantMiddleware.wrap(inner.app), scope)
      expect(scope).toEqual(websocketScope('/chat/'))
      expect(inner.scope).not.toBe(scope)
    })

    it('does not leak an inner middleware change to the outer middleware', async () => {
      const inner = recorder()
      let seenByOuter: TaggedScope | undefined
      class OuterMiddleware extends BaseMiddleware {
        override async call(scope: Scope, rcv: Receive, snd: Send): Promise<void> {
          const copy: TaggedScope = { ...scope, tenant: 'outer' }
          await this.inner(copy, rcv, snd)
          seenByOuter = copy
        }
      }
      await run(OuterMiddleware.wrap(RenamingMiddleware.wrap(inner.app)), websocketScope('/'))
      expect((inner.scope as TaggedScope).tenant).toBe('renamed')
      expect(seenByOuter?.tenant).toBe('outer')
    })
  })

  describe('#call', () => {
    it('can be overridden to wrap send', async () => {
      const sent: Message[] = []
      class AcceptLogger extends BaseMiddleware {
        override async call(scope: Scope, rcv: Receive, snd: Send): Promise<void> {
          return super.call(scope, rcv, async (message) => {
            sent.push(message)
            await snd(message)
          })
        }
      }
      const inner: Application = async (_scope, _rcv, snd) => snd({ type: 'websocket.accept' })
      await run(AcceptLogger.wrap(inner), websocketScope('/'))
      expect(sent).toEqual([{ type: 'websocket.accept' }])
    })

    it('passes receive and send through by default', async () => {
      let got: unknown[] = []
      const inner: Application = async (_scope, rcv, snd) => {
        got = [rcv, snd]
      }
      await TenantMiddleware.wrap(inner)(websocketScope('/'), receive, send)
      expect(got).toEqual([receive, send])
    })

    it('rejects with the error the inner application throws', async () => {
      const inner: Application = async () => {
        throw new Error('inner failed')
      }
      await expect(run(TenantMiddleware.wrap(inner), websocketScope('/'))).rejects.toThrow('inner failed')
    })
  })

  describe('#asApp', () => {
    it('returns the same function each time, named after the subclass', () => {
      const middleware = new TenantMiddleware(recorder().app)
      expect(middleware.asApp()).toBe(middleware.asApp())
      expect(middleware.asApp().name).toBe('TenantMiddleware')
    })

    it('serves several connections from one instance with a fresh copy each', async () => {
      const inner = recorder()
      const app = new TenantMiddleware(inner.app).asApp()
      await Promise.all([run(app, websocketScope('/a/')), run(app, websocketScope('/b/'))])
      expect(inner.scopes.map((scope) => scope.type === 'websocket' && scope.path)).toEqual(['/a/', '/b/'])
      expect(inner.scopes[0]).not.toBe(inner.scopes[1])
    })
  })

  describe('constructor', () => {
    it('throws ImproperlyConfigured when inner is not an application', () => {
      expect(() => new TenantMiddleware(undefined as never)).toThrow(ImproperlyConfigured)
      expect(() => TenantMiddleware.wrap({} as never)).toThrow(/new TenantMiddleware\(inner\)/)
    })
  })
})
