/**
 * `GET /api/rooms/<room>/messages?limit=50&before=<id>`: a room's history.
 *
 * @module
 */

import { historyParams } from '../rules.js'
import { ApiConsumer } from './api-consumer.js'

/**
 * The newest `limit` messages (default 50, at most 200) with an id below
 * `before`, oldest first. Needs a session cookie or a Bearer access token.
 * A malformed `limit` or `before` is 400 `invalid`.
 */
export class MessagesApi extends ApiConsumer {
  protected override async respond(): Promise<void> {
    if ((await this.user()) === null) {
      return this.error(401, 'unauthorized', 'Log in, or send Authorization: Bearer <access>.')
    }
    const query = new URLSearchParams(this.scope.queryString)
    const params = historyParams(query.get('limit') ?? undefined, query.get('before') ?? undefined)
    if (params === null) {
      return this.error(
        400,
        'invalid',
        'limit must be a whole number from 1 (at most 200 are returned) and before a message id.',
      )
    }
    const room = String(this.scope.urlRoute?.kwargs.room)
    const messages = await this.services.store.messages(room, params.limit, params.before)
    await this.json(200, { messages })
  }
}
