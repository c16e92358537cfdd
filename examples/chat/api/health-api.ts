/**
 * `GET /healthz`: for load balancers and process managers.
 *
 * @module
 */

import { ApiConsumer } from './api-consumer.js'

/** `GET /healthz` → 200 `{"status": "ok"}`. */
export class HealthApi extends ApiConsumer {
  protected override async respond(): Promise<void> {
    await this.json(200, { status: 'ok' })
  }
}
