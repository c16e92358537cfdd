import { afterEach, describe, expect, it } from 'vitest'

import { RouteNotFound, configureChannelLayers, resetChannelLayers } from 'tschannels'
import { HttpCommunicator, WebsocketCommunicator } from 'tschannels/testing'

import { application } from './app.js'

afterEach(async () => {
  await resetChannelLayers()
})

describe('echo example', () => {
  it('serves the page', async () => {
    const response = await new HttpCommunicator(application, 'GET', '/').getResponse()
    expect(response.status).toBe(200)
    expect(response.text).toContain('<title>tschannels echo</title>')
  })

  it('echoes text and binary frames on /ws/echo/', async () => {
    const client = new WebsocketCommunicator(application, '/ws/echo/')
    expect((await client.connect()).connected).toBe(true)
    await client.sendTo('hello')
    expect(await client.receiveFrom()).toBe('hello')
    await client.sendTo(new Uint8Array([0, 255]))
    expect(await client.receiveFrom()).toEqual(new Uint8Array([0, 255]))
    await client.disconnect()
  })

  it('broadcasts to every member of a room and to nobody in another room', async () => {
    configureChannelLayers({ default: { backend: 'memory' } })
    const alice = new WebsocketCommunicator(application, '/ws/broadcast/lobby/')
    const bob = new WebsocketCommunicator(application, '/ws/broadcast/lobby/')
    const carol = new WebsocketCommunicator(application, '/ws/broadcast/kitchen/')
    for (const client of [alice, bob, carol]) expect((await client.connect()).connected).toBe(true)

    await alice.sendJsonTo({ text: 'hi all' })
    expect(await alice.receiveJsonFrom()).toEqual({ room: 'lobby', text: 'hi all' })
    expect(await bob.receiveJsonFrom()).toEqual({ room: 'lobby', text: 'hi all' })
    expect(await carol.receiveNothing()).toBe(true)

    await bob.disconnect()
    await alice.sendJsonTo({ text: 'still there?' })
    expect(await alice.receiveJsonFrom()).toEqual({ room: 'lobby', text: 'still there?' })
    for (const client of [alice, carol]) await client.disconnect()
  })

  it('answers a malformed broadcast message with an error and keeps the connection', async () => {
    configureChannelLayers({ default: { backend: 'memory' } })
    const client = new WebsocketCommunicator(application, '/ws/broadcast/lobby/')
    await client.connect()
    await client.sendJsonTo(['not', 'an', 'object'])
    expect(await client.receiveJsonFrom()).toEqual({ error: 'Send {"text": "..."}.' })
    await client.sendJsonTo({ text: 'ok' })
    expect(await client.receiveJsonFrom()).toEqual({ room: 'lobby', text: 'ok' })
    await client.disconnect()
  })

  it('routes no other path', async () => {
    const client = new WebsocketCommunicator(application, '/ws/nowhere/')
    await expect(client.connect()).rejects.toThrow(RouteNotFound)
  })
})
