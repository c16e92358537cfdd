import { afterEach, describe, expect, it } from 'vitest'

import { ImproperlyConfigured, LayerClosed } from '../../src/errors.js'
import { InMemoryChannelLayer } from '../../src/layers/memory.js'
import {
  configureChannelLayers,
  getChannelLayer,
  registerLayerBackend,
  resetChannelLayers,
  type ChannelLayersConfig,
} from '../../src/layers/registry.js'

afterEach(() => resetChannelLayers())

describe('getChannelLayer', () => {
  it('gives an in-memory default layer when nothing is configured', () => {
    const layer = getChannelLayer()
    expect(layer).toBeInstanceOf(InMemoryChannelLayer)
    expect(getChannelLayer('default')).toBe(layer)
  })

  it('returns null for an alias that is not configured', () => {
    expect(getChannelLayer('other')).toBeNull()
    configureChannelLayers({ default: { backend: 'memory' } })
    expect(getChannelLayer('other')).toBeNull()
  })

  it('returns null for default when configured with no layers', () => {
    configureChannelLayers({})
    expect(getChannelLayer()).toBeNull()
  })

  it('builds a configured layer lazily, once, with its options', async () => {
    configureChannelLayers({ default: { backend: 'memory', options: { capacity: 1 } } })
    const layer = getChannelLayer()!
    expect(getChannelLayer()).toBe(layer)
    await layer.send('c', { type: 'test.one' })
    await expect(layer.send('c', { type: 'test.two' })).rejects.toThrow(/capacity/)
  })

  it('returns a layer instance given in the configuration', () => {
    const layer = new InMemoryChannelLayer()
    configureChannelLayers({ tests: layer })
    expect(getChannelLayer('tests')).toBe(layer)
  })

  it('calls a factory on first use only', () => {
    let calls = 0
    configureChannelLayers({
      default: () => {
        calls++
        return new InMemoryChannelLayer()
      },
    })
    expect(calls).toBe(0)
    getChannelLayer()
    getChannelLayer()
    expect(calls).toBe(1)
  })

  it('throws ImproperlyConfigured naming an unknown backend and the known ones', () => {
    configureChannelLayers({ default: { backend: 'nope' } } as unknown as ChannelLayersConfig)
    expect(() => getChannelLayer()).toThrow(ImproperlyConfigured)
    expect(() => getChannelLayer()).toThrow(/backend 'nope'.*Known backends: 'memory'/)
  })

  it('passes invalid options on to the layer, which names the option', () => {
    configureChannelLayers({ default: { backend: 'memory', options: { expiry: -1 } } })
    expect(() => getChannelLayer()).toThrow(/'expiry'/)
  })
})

describe('configureChannelLayers', () => {
  it('rejects a setting that is neither a config, a layer nor a function', () => {
    expect(() => configureChannelLayers({ default: 'memory' } as unknown as ChannelLayersConfig)).toThrow(
      /Channel layer 'default' must be/,
    )
  })

  it('forgets layers built from the previous configuration', () => {
    const first = getChannelLayer()
    configureChannelLayers({ default: { backend: 'memory' } })
    expect(getChannelLayer()).not.toBe(first)
  })
})

describe('registerLayerBackend', () => {
  it('makes a backend available by name, with the alias', () => {
    const seen: string[] = []
    registerLayerBackend('fake-test-backend', (_options, alias) => {
      seen.push(alias)
      return new InMemoryChannelLayer()
    })
    configureChannelLayers({ extra: { backend: 'fake-test-backend' } } as unknown as ChannelLayersConfig)
    expect(getChannelLayer('extra')).toBeInstanceOf(InMemoryChannelLayer)
    expect(seen).toEqual(['extra'])
  })

  it('rejects a missing factory', () => {
    expect(() => registerLayerBackend('broken', undefined as never)).toThrow(ImproperlyConfigured)
  })
})

describe('resetChannelLayers', () => {
  it('closes every layer and returns to the unconfigured state', async () => {
    const given = new InMemoryChannelLayer()
    configureChannelLayers({ default: { backend: 'memory' }, given })
    const built = getChannelLayer()!
    getChannelLayer('given')
    await resetChannelLayers()
    await expect(built.newChannel()).rejects.toBeInstanceOf(LayerClosed)
    await expect(given.newChannel()).rejects.toBeInstanceOf(LayerClosed)
    expect(getChannelLayer('given')).toBeNull()
    expect(getChannelLayer()).not.toBe(built)
  })

  it('closes the others when one close fails, then throws its error', async () => {
    const survivor = new InMemoryChannelLayer()
    const failing = new InMemoryChannelLayer()
    const boom = new LayerClosed('boom')
    failing.close = () => Promise.reject(boom)
    configureChannelLayers({ a: failing, b: survivor })
    getChannelLayer('a')
    getChannelLayer('b')
    await expect(resetChannelLayers()).rejects.toBe(boom)
    await expect(survivor.newChannel()).rejects.toBeInstanceOf(LayerClosed)
  })
})
