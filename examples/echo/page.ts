/**
 * The example's web page: a textbox per socket so the echo and the broadcast
 * can be tried in a browser.
 *
 * @module
 */

import { HttpConsumer } from 'tschannels'

const PAGE = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tschannels echo</title>
<style>
  body { font: 16px/1.4 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
  input { width: 70%; padding: .4rem; } button { padding: .4rem .8rem; }
  pre { background: #f4f4f4; padding: .5rem; min-height: 6rem; white-space: pre-wrap; }
</style>
<h1>tschannels</h1>
<p>Open this page in two tabs: the broadcast room reaches both, the echo only you.</p>
<h2>Echo</h2>
<form id="echo"><input name="text" autocomplete="off" placeholder="Say something"> <button>Send</button></form>
<pre id="echo-log"></pre>
<h2>Broadcast room <code>lobby</code></h2>
<form id="room"><input name="text" autocomplete="off" placeholder="Tell the room"> <button>Send</button></form>
<pre id="room-log"></pre>
<script>
  function wire(formId, logId, url, format) {
    const log = document.getElementById(logId)
    const socket = new WebSocket(url)
    socket.onmessage = (event) => { log.textContent += format(event.data) + '\\n' }
    socket.onclose = (event) => { log.textContent += '(closed ' + event.code + ')\\n' }
    document.getElementById(formId).onsubmit = (event) => {
      event.preventDefault()
      const input = event.target.elements.text
      socket.send(formId === 'room' ? JSON.stringify({ text: input.value }) : input.value)
      input.value = ''
    }
  }
  const base = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host
  wire('echo', 'echo-log', base + '/ws/echo/', (data) => data)
  wire('room', 'room-log', base + '/ws/broadcast/lobby/', (data) => JSON.parse(data).text ?? data)
</script>
</html>
`

/** Serves the page above. */
export class PageConsumer extends HttpConsumer {
  override async handle(): Promise<void> {
    await this.sendResponse(200, PAGE, { headers: { 'content-type': 'text/html; charset=utf-8' } })
  }
}
