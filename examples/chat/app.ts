/**
 * The chat application: `npm start` serves it at http://127.0.0.1:8000
 * (`tschannels serve examples/chat/app.ts`). Configured from the
 * environment; see docs/chat.md.
 *
 * @module
 */

import { loadConfig } from './config.js'
import { createChat } from './create-chat.js'

/** The chat, configured from the environment. */
export const chat = await createChat(loadConfig(process.env))

/** What `tschannels serve examples/chat/app.ts` runs. */
export const application = chat.application
