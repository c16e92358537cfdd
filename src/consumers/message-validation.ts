/**
 * Checks a message against the schema its consumer declared for its type
 * before the handler sees it. Only consumers that declare schemas come here.
 *
 * @module
 */

import { InvalidLayerMessage } from '../errors.js'
import type { Message } from '../types.js'
import { describeIssues } from './standard-schema.js'
import type { StandardSchemaResult, StandardSchemaV1 } from './standard-schema.js'

/** What validation needs of the consumer. @internal */
export interface ValidatingConsumer {
  invalidMessage(error: InvalidLayerMessage): Promise<void>
}

type Handler = (message: Message) => Promise<void> | void

/**
 * Validates `message`, then calls `handler` with what the schema gave (its
 * `type` put back if the schema dropped it), or `consumer.invalidMessage()`
 * with the issues.
 *
 * @internal
 */
export function validateThenHandle(
  consumer: ValidatingConsumer,
  handler: Handler,
  message: Message,
  schema: StandardSchemaV1,
): Promise<void> {
  const result = schema['~standard'].validate(message)
  if (result instanceof Promise)
    return result.then((settled) => afterValidation(consumer, handler, message, settled))
  return afterValidation(consumer, handler, message, result)
}

async function afterValidation(
  consumer: ValidatingConsumer,
  handler: Handler,
  message: Message,
  result: StandardSchemaResult<unknown>,
): Promise<void> {
  if (result.issues !== undefined) {
    const issues = describeIssues(result.issues)
    const name = (consumer as object).constructor.name
    await consumer.invalidMessage(
      new InvalidLayerMessage(
        `${name} refused a '${message.type}' message that does not match its schema: ` +
          issues.map((issue) => `${issue.path || '(the message)'}: ${issue.message}`).join('; '),
        message.type,
        issues,
      ),
    )
    return
  }
  const value = result.value
  const validated =
    typeof value === 'object' && value !== null && (value as Message).type === message.type
      ? (value as Message)
      : ({ ...(value as object), type: message.type } as Message)
  await handler.call(consumer, validated)
}
