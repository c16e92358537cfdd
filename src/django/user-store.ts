/**
 * `DjangoUserStore`: Django's users (`auth_user` or a custom user model),
 * their groups and permissions, read where Django keeps them.
 *
 * @module
 */

import { ImproperlyConfigured, ReadOnlyStore } from '../errors.js'
import type { SessionAuthScheme, NewUser, UserStore } from '../auth/user-store.js'
import type { User } from '../auth/user.js'
import { identifier, toDate } from './database.js'
import type { DjangoDatabase } from './database.js'
import { toDjangoUser } from './django-user.js'
import type { DjangoUser } from './django-user.js'
import { djangoSessionAuth } from './session-auth-hash.js'
import type { SecretKey } from './signing.js'

/** Fields of a Django user model that tschannels reads, by their `auth_user` column. */
export interface DjangoUserColumns {
  /** @default 'id' */
  id?: string
  /** @default 'password' */
  password?: string
  /** `null` when the model has no such field (then every user counts as active). @default 'is_active' */
  isActive?: string | null
  /** @default 'is_staff' */
  isStaff?: string | null
  /** @default 'is_superuser' */
  isSuperuser?: string | null
  /** @default 'email' */
  email?: string | null
  /** @default 'first_name' */
  firstName?: string | null
  /** @default 'last_name' */
  lastName?: string | null
  /** @default 'last_login' */
  lastLogin?: string | null
  /** @default 'date_joined' */
  dateJoined?: string | null
}

/** Where a Django user model lives: `auth_user` by default, or a custom `AUTH_USER_MODEL`. */
export interface DjangoUserModel {
  /** The user table (`db_table`). @default 'auth_user' */
  table?: string
  /** The model's `USERNAME_FIELD` column. @default 'username' */
  usernameField?: string
  /** Column names that differ from `auth_user`'s, or `null` for fields the model lacks. @default auth_user's */
  columns?: DjangoUserColumns
  /** The primary key's kind, so a malformed id from a session never reaches the database. @default 'integer' */
  idType?: 'integer' | 'uuid' | 'string'
  /** Whether the model has `PermissionsMixin` (groups, permissions, `is_superuser`). @default true */
  permissions?: boolean
  /** The user–group table. @default `${table}_groups` */
  groupsTable?: string
  /** The user–permission table. @default `${table}_user_permissions` */
  userPermissionsTable?: string
  /** The column naming the user in those two tables (`<model name>_id`). @default 'user_id' */
  userColumn?: string
}

/** Options of `DjangoUserStore`. */
export interface DjangoUserStoreOptions extends DjangoUserModel {
  /** The Django site's database. */
  database: DjangoDatabase
  /** Django's `SECRET_KEY`, for the session auth hash. @default the `secretKey` setting */
  secretKey?: SecretKey
  /** Django's `SECRET_KEY_FALLBACKS`. @default the `secretKeyFallbacks` setting */
  secretKeyFallbacks?: readonly SecretKey[]
  /** Django's `AUTHENTICATION_BACKENDS`; a session logged in through another backend is anonymous. @default ['django.contrib.auth.backends.ModelBackend'] */
  authenticationBackends?: readonly string[]
  /** Let `authenticate()` re-hash a password stored with a weaker hasher (needs a writable database). @default false */
  rehashPasswords?: boolean
  /** The clock `login()` stamps `last_login` with, in ms; tests pass their own. @default Date.now */
  now?: () => number
}

const DEFAULT_COLUMNS: Required<DjangoUserColumns> = {
  id: 'id',
  password: 'password',
  isActive: 'is_active',
  isStaff: 'is_staff',
  isSuperuser: 'is_superuser',
  email: 'email',
  firstName: 'first_name',
  lastName: 'last_name',
  lastLogin: 'last_login',
  dateJoined: 'date_joined',
}
const ID_PATTERNS = {
  integer: /^\d{1,19}$/,
  uuid: /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/,
  string: /^.{1,255}$/s,
}

/**
 * Reads Django's users with their groups and permissions (`auth_user_groups`,
 * `auth_user_user_permissions`, `auth_group_permissions`, `auth_permission`,
 * `django_content_type`) and brings Django's session rules: the session auth
 * hash with `SECRET_KEY_FALLBACKS`, and `_auth_user_backend`. Read-only
 * unless the database is writable; even then passwords are only re-hashed
 * with `rehashPasswords: true`.
 *
 * @example
 * ```ts
 * declare const database: DjangoDatabase
 * const users = new DjangoUserStore({ database })
 * const custom = new DjangoUserStore({ database, table: 'accounts_member', usernameField: 'email' })
 * ```
 */
export class DjangoUserStore implements UserStore {
  readonly sessionAuth: SessionAuthScheme
  readonly rehashPasswords: boolean
  readonly #db: DjangoDatabase
  readonly #table: string
  readonly #username: string
  readonly #columns: Required<DjangoUserColumns>
  readonly #idPattern: RegExp
  readonly #permissions: boolean
  readonly #select: string
  readonly #now: () => number
  readonly #groupsSql: string
  readonly #permsSql: string

  constructor(options: DjangoUserStoreOptions) {
    if (typeof options?.database?.query !== 'function') {
      throw new ImproperlyConfigured('DjangoUserStore needs { database } from openDjangoDatabase().')
    }
    const db = (this.#db = options.database)
    const q = (name: string, what: string): string => db.quote(identifier(name, what))
    const table = identifier(options.table ?? 'auth_user', 'The user table')
    this.#table = db.quote(table)
    this.#username = q(options.usernameField ?? 'username', 'The username field')
    this.#columns = { ...DEFAULT_COLUMNS, ...options.columns }
    this.#idPattern = ID_PATTERNS[options.idType ?? 'integer']
    if (this.#idPattern === undefined)
      throw new ImproperlyConfigured("DjangoUserStore idType is 'integer', 'uuid' or 'string'.")
    this.#permissions = options.permissions ?? true
    const selected = Object.entries(this.#columns)
      .filter((entry): entry is [string, string] => entry[1] !== null && entry[1] !== undefined)
      .map(([field, column]) => `${q(column, `The ${field} column`)} AS ${db.quote(field)}`)
    this.#select = `SELECT ${selected.join(', ')}, ${this.#username} AS ${db.quote('username')} FROM ${this.#table}`
    const groups = q(options.groupsTable ?? `${table}_groups`, 'The groups table')
    const userPerms = q(
      options.userPermissionsTable ?? `${table}_user_permissions`,
      'The user permissions table',
    )
    const userColumn = q(options.userColumn ?? 'user_id', 'The user column')
    this.#groupsSql =
      `SELECT g.${db.quote('name')} AS name FROM ${db.quote('auth_group')} g ` +
      `JOIN ${groups} ug ON ug.${db.quote('group_id')} = g.${db.quote('id')} WHERE ug.${userColumn} = ?`
    this.#permsSql =
      `SELECT ct.${db.quote('app_label')} AS app_label, p.${db.quote('codename')} AS codename ` +
      `FROM ${db.quote('auth_permission')} p JOIN ${db.quote('django_content_type')} ct ON ct.${db.quote('id')} = p.${db.quote('content_type_id')} ` +
      `WHERE p.${db.quote('id')} IN (SELECT up.${db.quote('permission_id')} FROM ${userPerms} up WHERE up.${userColumn} = ?) ` +
      `OR p.${db.quote('id')} IN (SELECT gp.${db.quote('permission_id')} FROM ${db.quote('auth_group_permissions')} gp ` +
      `JOIN ${groups} ug ON ug.${db.quote('group_id')} = gp.${db.quote('group_id')} WHERE ug.${userColumn} = ?)`
    this.#now = options.now ?? Date.now
    this.rehashPasswords = options.rehashPasswords === true
    if (this.rehashPasswords && !db.writable) {
      throw new ImproperlyConfigured(
        'DjangoUserStore rehashPasswords needs a writable database ({ writable: true }).',
      )
    }
    this.sessionAuth = djangoSessionAuth({
      secretKey: options.secretKey,
      secretKeyFallbacks: options.secretKeyFallbacks,
      authenticationBackends: options.authenticationBackends,
    })
  }

  async getById(id: string): Promise<DjangoUser | null> {
    if (typeof id !== 'string' || !this.#idPattern.test(id)) return null
    return this.#one(`${this.#select} WHERE ${this.#db.quote(this.#columns.id)} = ?`, id)
  }

  async getByUsername(username: string): Promise<DjangoUser | null> {
    if (typeof username !== 'string' || username === '' || username.length > 254) return null
    return this.#one(`${this.#select} WHERE ${this.#username} = ?`, username)
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    this.#requireWritable('change a password')
    if (!this.#idPattern.test(id)) return
    await this.#db.execute(
      `UPDATE ${this.#table} SET ${this.#db.quote(this.#columns.password)} = ? WHERE ${this.#db.quote(this.#columns.id)} = ?`,
      [passwordHash, id],
    )
  }

  async setActive(id: string, isActive: boolean): Promise<void> {
    this.#requireWritable('change is_active')
    if (this.#columns.isActive === null || !this.#idPattern.test(id)) return
    await this.#db.execute(
      `UPDATE ${this.#table} SET ${this.#db.quote(this.#columns.isActive)} = ? WHERE ${this.#db.quote(this.#columns.id)} = ?`,
      [isActive, id],
    )
  }

  /**
   * Stamps `last_login` as Django's `update_last_login` does, when the
   * database is writable and the model has the column; a read-only site is
   * never written, so there `last_login` stays as Django last set it.
   */
  async recordLogin(user: User): Promise<void> {
    if (!this.#db.writable || this.#columns.lastLogin === null || !this.#idPattern.test(user.id)) return
    await this.#db.execute(
      `UPDATE ${this.#table} SET ${this.#db.quote(this.#columns.lastLogin)} = ? WHERE ${this.#db.quote(this.#columns.id)} = ?`,
      [new Date(this.#now()), user.id],
    )
  }

  async create(_user: NewUser): Promise<DjangoUser> {
    throw new ReadOnlyStore(
      "Create Django's users in Django (createsuperuser, the admin, a sign-up view): its model may need fields tschannels does not know.",
    )
  }

  async delete(_id: string): Promise<void> {
    throw new ReadOnlyStore(
      "Delete Django's users in Django, whose ORM also removes their sessions, tokens and relations.",
    )
  }

  async close(): Promise<void> {}

  async #one(sql: string, value: string): Promise<DjangoUser | null> {
    const [row] = await this.#db.query<Record<string, unknown>>(sql, [value])
    if (row === undefined) return null
    const id = String(row.id)
    const [groups, permissions] = this.#permissions
      ? await Promise.all([
          this.#db.query<{ name: string }>(this.#groupsSql, [id]),
          this.#db.query<{ app_label: string; codename: string }>(this.#permsSql, [id, id]),
        ])
      : [[], []]
    return toDjangoUser({
      id,
      username: String(row.username),
      passwordHash: typeof row.password === 'string' ? row.password : '',
      isActive: this.#columns.isActive === null ? true : Boolean(row.isActive),
      isStaff: Boolean(row.isStaff ?? false),
      isSuperuser: this.#permissions && Boolean(row.isSuperuser ?? false),
      email: typeof row.email === 'string' ? row.email : '',
      firstName: typeof row.firstName === 'string' ? row.firstName : '',
      lastName: typeof row.lastName === 'string' ? row.lastName : '',
      lastLogin: toDate(row.lastLogin),
      dateJoined: toDate(row.dateJoined) ?? new Date(0),
      groups: groups.map((group) => group.name).sort(),
      permissions: new Set(permissions.map((p) => `${p.app_label}.${p.codename}`)),
    })
  }

  #requireWritable(what: string): void {
    if (!this.#db.writable) {
      throw new ReadOnlyStore(
        `Django's users are read-only here, so tschannels cannot ${what}; do it in Django.`,
      )
    }
  }
}
