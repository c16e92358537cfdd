/**
 * Permissions for groups and rooms: which users may join what, declared
 * once and checked in `connect()` or before `groupAdd`.
 *
 * @module
 */

import { ImproperlyConfigured, PermissionDenied } from '../errors.js'
import { AnonymousUser } from '../auth/user.js'
import type { AnyUser } from '../auth/user.js'
import type { Scope } from '../types.js'

/** Decides whether `user` may join `target` (a group or room name). */
export type PermissionCheck = (user: AnyUser, target: string, scope: Scope) => boolean | Promise<boolean>

/** One rule: targets matching `pattern` are decided by `allow`. */
export interface PermissionRule {
  /** A `RegExp`, or a string where `*` matches any run of characters (`'room.*'`). */
  pattern: string | RegExp
  allow: PermissionCheck
}

/** What `groupPermissions()` returns. */
export interface GroupPermissions {
  /** Whether the scope's user may join `target`; false when no rule matches. */
  can(scope: Scope, target: string): Promise<boolean>
  /** Throws `PermissionDenied` (`closeCode` 4403) unless the scope's user may join `target`. */
  require(scope: Scope, target: string): Promise<void>
}

/** Any authenticated, active user. */
export const isAuthenticated: PermissionCheck = (user) => user.isAuthenticated && user.isActive

/** Everyone, anonymous users included. */
export const allowAny: PermissionCheck = () => true

/** Nobody. */
export const denyAll: PermissionCheck = () => false

/**
 * Declares who may join which groups. Rules are tried in order and the first
 * whose pattern matches decides; a target no rule matches is refused, so a
 * new kind of group is closed until you open it. The user is
 * `await scope.user` (anonymous when there is no auth middleware).
 *
 * @example
 * ```ts
 * const staff = new Set(['ada'])
 * const rooms = groupPermissions([
 *   { pattern: 'lobby', allow: allowAny },
 *   { pattern: 'staff-*', allow: (user) => user.isAuthenticated && staff.has(user.username) },
 *   { pattern: /^room-\d+$/, allow: isAuthenticated },
 * ])
 *
 * class ChatConsumer extends WebsocketConsumer {
 *   override async connect() {
 *     const group = `room-${this.scope.urlRoute?.kwargs.id}`
 *     if (!(await rooms.can(this.scope, group))) return this.close(4403)
 *     await this.channelLayer.groupAdd(group, this.channelName)
 *     await this.accept()
 *   }
 * }
 * ```
 */
export function groupPermissions(rules: readonly PermissionRule[]): GroupPermissions {
  const list: unknown = rules
  if (!Array.isArray(list)) throw new ImproperlyConfigured('groupPermissions(rules) needs an array of rules.')
  const compiled = rules.map((rule, index) => {
    if (typeof rule?.allow !== 'function') {
      throw new ImproperlyConfigured(
        `groupPermissions rule ${index} needs an allow(user, target, scope) function.`,
      )
    }
    return { regex: toRegExp(rule.pattern), allow: rule.allow }
  })

  const can = async (scope: Scope, target: string): Promise<boolean> => {
    const rule = compiled.find(({ regex }) => regex.test(target))
    if (rule === undefined) return false
    const user = scope.type === 'channel' || scope.user === undefined ? new AnonymousUser() : await scope.user
    return (await rule.allow(user, target, scope)) === true
  }
  return {
    can,
    async require(scope, target) {
      if (!(await can(scope, target))) {
        throw new PermissionDenied(`The user may not join '${target}'.`)
      }
    },
  }
}

function toRegExp(pattern: string | RegExp): RegExp {
  if (pattern instanceof RegExp) return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''))
  if (typeof pattern !== 'string' || pattern === '') {
    throw new ImproperlyConfigured('A permission pattern must be a non-empty string or a RegExp.')
  }
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${source}$`)
}
