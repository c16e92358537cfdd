import { describe, expect, it } from 'vitest'

import { LazyUser } from '../../src/auth/lazy-user.js'
import { toUser } from '../../src/auth/user.js'
import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import { PermissionDenied } from '../../src/errors.js'
import { allowAny, groupPermissions, isAuthenticated } from '../../src/security/permissions.js'
import { URLRouter } from '../../src/routing/url-router.js'
import { path } from '../../src/routing/route.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'

const ada = toUser({ id: 1, username: 'ada', passwordHash: 'x', isActive: true, created: 0 })
const staff = new Set(['ada'])

const rooms = groupPermissions([
  { pattern: 'lobby', allow: allowAny },
  { pattern: 'staff-*', allow: (user) => user.isAuthenticated && staff.has(user.username) },
  { pattern: /^room-\d+$/, allow: isAuthenticated },
])

class RoomConsumer extends WebsocketConsumer {
  override async connect() {
    const group = String(this.scope.urlRoute?.kwargs.room)
    if (!(await rooms.can(this.scope, group))) return this.close(4403)
    await this.accept()
  }
}

const app = URLRouter([path('ws/<str:room>/', RoomConsumer.asApp())])

async function join(room: string, user?: ReturnType<typeof toUser>): Promise<number | 'joined'> {
  const scope = user === undefined ? {} : { user: LazyUser.of(user) }
  const communicator = new WebsocketCommunicator(app, `/ws/${room}/`, { scope })
  const result = await communicator.connect()
  if (result.connected) await communicator.disconnect()
  return result.connected ? 'joined' : result.closeCode!
}

describe('groupPermissions', () => {
  it('lets everyone into an open room', async () => {
    expect(await join('lobby')).toBe('joined')
  })

  it('lets only authenticated users into numbered rooms', async () => {
    expect(await join('room-1')).toBe(4403)
    expect(await join('room-1', ada)).toBe('joined')
  })

  it('checks a role for staff rooms', async () => {
    const bob = toUser({ id: 2, username: 'bob', passwordHash: 'x', isActive: true, created: 0 })
    expect(await join('staff-ops', ada)).toBe('joined')
    expect(await join('staff-ops', bob)).toBe(4403)
  })

  it('refuses a group no rule names', async () => {
    expect(await join('secret', ada)).toBe(4403)
  })

  it('throws PermissionDenied from require()', async () => {
    await expect(rooms.require({ type: 'websocket' } as never, 'room-1')).rejects.toThrow(PermissionDenied)
    await expect(rooms.require({ type: 'websocket' } as never, 'room-1')).rejects.toMatchObject({
      closeCode: 4403,
    })
  })
})
