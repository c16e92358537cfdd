/**
 * The tschannels app beside the example Django site: a browser logged in on
 * Django's page opens `/ws/me/` here and is told who it is, with its
 * permissions, straight from Django's session; announcements that Django's
 * `/announce/` view `group_send`s reach it through the shared Redis layer.
 *
 * `main.ts` builds it on the Django site the environment names.
 *
 * @module
 */

import {
  AllowedHostsOriginValidator,
  JsonWebsocketConsumer,
  ProtocolTypeRouter,
  URLRouter,
  path,
} from 'tschannels'
import type { LayerMessage } from 'tschannels'
import { isDjangoUser } from 'tschannels/django'
import type { DjangoSite } from 'tschannels/django'

/** Tells the browser who it is, then forwards Django's announcements. */
export class MeConsumer extends JsonWebsocketConsumer {
  static override groups = ['announcements']

  override async connect() {
    const user = await this.scope.user
    await this.accept()
    // Not logged in on Django (or logged out, or password changed): 4401, which the page shows.
    if (!user?.isAuthenticated || !isDjangoUser(user)) return this.close(4401)
    await this.sendJson({ type: 'me', user })
  }

  /** `group_send("announcements", {"type": "announcement", ...})` from a Django view. */
  async announcement(message: LayerMessage) {
    await this.sendJson({ type: 'announcement', text: message.text, by: message.by })
  }
}

/** Builds the app on a Django site (tests pass theirs). */
export function createApplication(site: DjangoSite) {
  return ProtocolTypeRouter({
    websocket: AllowedHostsOriginValidator(
      site.authMiddlewareStack(URLRouter([path('ws/me/', MeConsumer.asApp())])),
    ),
  })
}
