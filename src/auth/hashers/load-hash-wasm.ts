/**
 * Loads `hash-wasm`, the WebAssembly argon2 and bcrypt the Django hashers
 * use, on first use, so only applications that meet such a hash need it.
 *
 * @module
 * @internal
 */

import type * as HashWasmModule from 'hash-wasm'

import { ImproperlyConfigured } from '../../errors.js'
import { missingPeer } from '../../util/optional-peer.js'

type HashWasm = typeof HashWasmModule

let loading: Promise<HashWasm> | undefined

/**
 * `hash-wasm`, or `ImproperlyConfigured` naming the install command.
 * @internal
 */
export function loadHashWasm(hasher: string): Promise<HashWasm> {
  loading ??= import('hash-wasm').catch((error: unknown) => {
    loading = undefined
    throw (
      missingPeer(error, 'hash-wasm', hasher) ??
      new ImproperlyConfigured(
        `${hasher} needs the optional package hash-wasm (WebAssembly, nothing to build): npm install hash-wasm`,
        { cause: error },
      )
    )
  })
  return loading
}
