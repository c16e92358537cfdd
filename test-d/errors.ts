/**
 * Type tests for error codes: every error class carries a literal code, and
 * `ChannelsErrorCode` is their union, so a misspelt code does not compile.
 */

import type * as errors from 'tschannels/errors'
import { InvalidContent, InvalidJson } from 'tschannels'
import type { ChannelsErrorCode, ChannelFull, ChannelsError, InvalidFrame } from 'tschannels'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const expectType = <T extends true>(_ok: T): void => {}

// Every exported error class's instance code is a literal (or a union of
// literals, for a class with subclasses), never `string`.
type ErrorClasses = {
  [K in keyof typeof errors]: (typeof errors)[K] extends abstract new (...args: never[]) => ChannelsError
    ? K
    : never
}[keyof typeof errors]
type CodeOf<K extends ErrorClasses> = InstanceType<(typeof errors)[K]>['code']
type WidenedCodes = { [K in ErrorClasses]: string extends CodeOf<K> ? K : never }[ErrorClasses]
expectType<Equal<WidenedCodes, never>>(true)
// The union holds each subclass's code and the base class's, and nothing else.
type Subclasses = Exclude<ErrorClasses, 'ChannelsError'>
expectType<Equal<{ [K in Subclasses]: CodeOf<K> }[Subclasses] | 'CHANNELS_ERR_GENERIC', ChannelsErrorCode>>(
  true,
)

expectType<Equal<ChannelFull['code'], 'CHANNELS_ERR_CHANNEL_FULL'>>(true)
expectType<Equal<typeof ChannelFull.code, 'CHANNELS_ERR_CHANNEL_FULL'>>(true)
expectType<
  Equal<
    InvalidFrame['code'],
    | 'CHANNELS_ERR_INVALID_FRAME'
    | 'CHANNELS_ERR_UNSUPPORTED_FRAME'
    | 'CHANNELS_ERR_INVALID_JSON'
    | 'CHANNELS_ERR_INVALID_CONTENT'
    | 'CHANNELS_ERR_JSON_TOO_DEEP'
  >
>(true)

export function describe(error: ChannelsError): string {
  switch (error.code) {
    case 'CHANNELS_ERR_CHANNEL_FULL':
      return 'full'
    // @ts-expect-error: no such code.
    case 'CHANNELS_ERR_CHANEL_FULL':
      return 'misspelt'
    default:
      return error.code
  }
}

const frame: InvalidFrame = new InvalidJson('bad')
const content = new InvalidContent('bad', [{ path: 'text', message: 'Expected string' }])
void [frame, content]
