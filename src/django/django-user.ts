/**
 * `DjangoUser`: a row of Django's user model with its groups and
 * permissions, as `scope.user` resolves it under `tschannels/django`.
 *
 * @module
 */

import type { User } from '../auth/user.js'

/**
 * A Django user: `auth_user` (or a custom user model) with `is_staff`,
 * `is_superuser`, groups and permissions. `hasPerm()` answers as Django's
 * `ModelBackend`: an active superuser has every permission, an inactive
 * user none, everyone else the permissions given to them or their groups.
 *
 * @example
 * ```ts member=WebsocketConsumer
 * override async connect() {
 *   const user = await this.scope.user
 *   if (!user?.isAuthenticated || !isDjangoUser(user) || !user.hasPerm('chat.add_message')) return this.close(4403)
 *   await this.accept()
 * }
 * ```
 */
export interface DjangoUser extends User {
  readonly isStaff: boolean
  readonly isSuperuser: boolean
  readonly email: string
  readonly firstName: string
  readonly lastName: string
  /** `last_login`, or `null` before the first login. */
  readonly lastLogin: Date | null
  /** `date_joined` (the same as `created`). */
  readonly dateJoined: Date
  /** The names of the user's groups. */
  readonly groups: readonly string[]
  /** `app_label.codename` of every permission the user has directly or through a group (superusers: as stored). */
  readonly permissions: ReadonlySet<string>
  /** Django's `user.has_perm('app_label.codename')`. */
  hasPerm(permission: string): boolean
  /** Django's `user.has_perms([...])`: every one of them. */
  hasPerms(permissions: readonly string[]): boolean
  /** Django's `user.has_module_perms('app_label')`: any permission in that app. */
  hasModulePerms(appLabel: string): boolean
}

/** The fields a store reads, before the methods are added. @internal */
export interface DjangoUserFields {
  id: string
  username: string
  passwordHash: string
  isActive: boolean
  isStaff: boolean
  isSuperuser: boolean
  email: string
  firstName: string
  lastName: string
  lastLogin: Date | null
  dateJoined: Date
  groups: readonly string[]
  permissions: ReadonlySet<string>
}

/**
 * Whether `user` came from a Django store (and so has `hasPerm`, `groups` …).
 *
 * @example
 * ```ts member=WebsocketConsumer
 * override async connect() {
 *   const user = await this.scope.user
 *   if (isDjangoUser(user) && user.isStaff) await this.channelLayer.groupAdd('staff', this.channelName)
 *   await this.accept()
 * }
 * ```
 */
export function isDjangoUser(user: unknown): user is DjangoUser {
  return typeof user === 'object' && user !== null && typeof (user as DjangoUser).hasPerm === 'function'
}

/**
 * A frozen `DjangoUser` from its fields.
 * @internal
 */
export function toDjangoUser(fields: DjangoUserFields): DjangoUser {
  const active = fields.isActive
  const superuser = active && fields.isSuperuser
  const hasPerm = (permission: string): boolean => superuser || (active && fields.permissions.has(permission))
  return Object.freeze({
    ...fields,
    created: fields.dateJoined,
    isAuthenticated: true as const,
    isAnonymous: false as const,
    groups: Object.freeze([...fields.groups]),
    hasPerm,
    hasPerms: (permissions: readonly string[]) => permissions.every(hasPerm),
    hasModulePerms: (appLabel: string) =>
      superuser || (active && [...fields.permissions].some((p) => p.startsWith(`${appLabel}.`))),
    toJSON: () => ({
      id: fields.id,
      username: fields.username,
      email: fields.email,
      isStaff: fields.isStaff,
      isSuperuser: fields.isSuperuser,
      groups: [...fields.groups],
      permissions: [...fields.permissions].sort(),
    }),
  })
}
