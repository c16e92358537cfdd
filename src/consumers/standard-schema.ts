/**
 * Standard Schema: the validator interface that zod, valibot, arktype and
 * others implement (a `~standard` property with a `validate` function), so
 * that a consumer can check what it receives with any of them without
 * tschannels depending on one. The types are written here from the
 * published version 1 of the specification.
 *
 * @module
 */

/**
 * A validator of values of type `Output` (from values of type `Input`), as
 * zod, valibot and arktype schemas are.
 *
 * @example
 * ```ts
 * import { z } from 'zod'
 *
 * const Frame = z.object({ text: z.string().max(500) })
 * const schema: StandardSchemaV1<unknown, { text: string }> = Frame
 * ```
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The interface itself, under a key that keeps it out of the way of the schema's own API. */
  readonly '~standard': StandardSchemaProps<Input, Output>
}

/** What a Standard Schema offers under `~standard`. */
export interface StandardSchemaProps<Input = unknown, Output = Input> {
  /** The version of the specification: 1. */
  readonly version: 1
  /** The library that made the schema (`zod`, `valibot` …). */
  readonly vendor: string
  /** Validates `value`: its output value, or the issues found. May be asynchronous. */
  readonly validate: (value: unknown) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>
  /** The input and output types, for the compiler only. */
  readonly types?: { readonly input: Input; readonly output: Output } | undefined
}

/** The result of `validate()`: a value, or issues. */
export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardSchemaIssue> }

/** One problem a schema found. */
export interface StandardSchemaIssue {
  /** What is wrong, for a person to read. */
  readonly message: string
  /** Where: the keys from the root of the value to the faulty part. */
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined
}

/**
 * The type a schema's `validate()` gives on success: `SchemaOutput<typeof
 * Frame>` is `z.infer<typeof Frame>` for a zod schema and `v.InferOutput`
 * for a valibot one.
 */
export type SchemaOutput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['output']

/** One issue as a consumer reports it: the path as a dotted string (`items.0.text`) and the message. */
export interface ValidationIssue {
  /** Where in the value, dotted (`data.text`); empty for the value itself. */
  readonly path: string
  /** What the schema said is wrong. */
  readonly message: string
}

/**
 * Turns a schema's issues into plain `{ path, message }` records, short
 * enough to send to a client: at most 20 issues, messages cut at 200
 * characters.
 *
 * @internal
 */
export function describeIssues(issues: ReadonlyArray<StandardSchemaIssue>): ValidationIssue[] {
  return issues.slice(0, 20).map((issue) => ({
    path: (issue.path ?? []).map((part) => String(typeof part === 'object' ? part.key : part)).join('.'),
    message: String(issue.message).slice(0, 200),
  }))
}
