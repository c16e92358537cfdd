/**
 * The live status page: one self-contained HTML document (no scripts or
 * styles from elsewhere, so a strict Content-Security-Policy can hold it).
 * It carries no data itself: it reads the token from the URL fragment
 * (which browsers never send to the server or put in a Referer), asks
 * `status/data` for a snapshot every second with that token as a bearer
 * header, and draws the last two minutes as small SVG charts.
 *
 * @module
 * @internal
 */

/** The page's HTML. @internal */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tschannels status</title>
<style>
  :root { color-scheme: light dark; --fg: #1b1f24; --muted: #5b6470; --line: #d0d7de; --accent: #0b6bcb; --warn: #b35900; }
  @media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9aa4af; --line: #30363d; --accent: #58a6ff; --warn: #f0883e; } }
  body { font: 14px/1.4 system-ui, sans-serif; color: var(--fg); margin: 0 auto; max-width: 1100px; padding: 16px; }
  h1 { font-size: 18px; margin: 0 0 12px; display: flex; gap: 12px; align-items: baseline; }
  h1 small { color: var(--muted); font-weight: normal; font-size: 13px; }
  h2 { font-size: 14px; margin: 18px 0 8px; }
  .tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 12px; }
  .tile { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
  .tile .label { color: var(--muted); font-size: 12px; }
  .tile .value { font-size: 22px; font-variant-numeric: tabular-nums; }
  .tile svg { width: 100%; height: 40px; display: block; }
  .tile polyline { fill: none; stroke: var(--accent); stroke-width: 1.5; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); font-variant-numeric: tabular-nums; }
  th { color: var(--muted); font-weight: normal; font-size: 12px; }
  .down { color: var(--warn); font-weight: 600; }
  #state[data-state="error"] { color: var(--warn); }
  form { display: flex; gap: 8px; margin-top: 24px; }
  [hidden] { display: none !important; }
</style>
</head>
<body data-state="loading">
<h1>tschannels status <small id="state" data-testid="state">connecting…</small></h1>
<form id="login" data-testid="login" hidden>
  <label>Status token <input id="token" data-testid="token" type="password" autocomplete="off" required></label>
  <button type="submit" data-testid="token-submit">Show</button>
</form>
<main id="main" data-testid="main" hidden>
  <div class="tiles">
    <div class="tile"><div class="label">Open WebSockets</div><div class="value" data-testid="websockets">–</div><svg data-chart="websockets" viewBox="0 0 120 40" preserveAspectRatio="none"><polyline points=""/></svg></div>
    <div class="tile"><div class="label">Messages in / s</div><div class="value" data-testid="in-rate">–</div><svg data-chart="in" viewBox="0 0 120 40" preserveAspectRatio="none"><polyline points=""/></svg></div>
    <div class="tile"><div class="label">Messages out / s</div><div class="value" data-testid="out-rate">–</div><svg data-chart="out" viewBox="0 0 120 40" preserveAspectRatio="none"><polyline points=""/></svg></div>
    <div class="tile"><div class="label">Layer latency (mean ms)</div><div class="value" data-testid="latency">–</div><svg data-chart="latency" viewBox="0 0 120 40" preserveAspectRatio="none"><polyline points=""/></svg></div>
  </div>
  <h2>Totals</h2>
  <table><tbody>
    <tr><th>Processes</th><td data-testid="processes">–</td><th>HTTP requests in flight</th><td data-testid="http">–</td></tr>
    <tr><th>Messages received</th><td data-testid="received">–</td><th>Messages sent</th><td data-testid="sent">–</td></tr>
    <tr><th>Slow clients closed</th><td data-testid="slow">–</td><th>Application errors</th><td data-testid="errors">–</td></tr>
  </tbody></table>
  <h2>Channel layers</h2>
  <table data-testid="layers"><thead><tr><th>Alias</th><th>Calls</th><th>Mean latency</th><th>Received</th><th>ChannelFull</th><th>Redis</th><th>Subscriptions</th></tr></thead><tbody></tbody></table>
  <h2>Groups <small id="group-count" data-testid="group-count"></small></h2>
  <table data-testid="groups"><thead><tr><th>Group</th><th>Members</th></tr></thead><tbody></tbody></table>
</main>
<script>
(() => {
  const KEEP = 120
  const series = { websockets: [], in: [], out: [], latency: [] }
  let token = new URLSearchParams(location.hash.slice(1)).get('token') || sessionStorage.getItem('tschannels-status-token') || ''
  let last = null
  const $ = (id) => document.querySelector('[data-testid="' + id + '"]')
  const fmt = (n) => (Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 10) / 10).toLocaleString('en')
  const setState = (state, text) => { document.body.dataset.state = state; $('state').textContent = text; $('state').dataset.state = state }
  function push(name, value) {
    const values = series[name]
    values.push(value)
    if (values.length > KEEP) values.shift()
    const max = Math.max(1e-9, ...values)
    const points = values.map((v, i) => (i * 120 / Math.max(1, values.length - 1)).toFixed(1) + ',' + (38 - v / max * 36).toFixed(1)).join(' ')
    document.querySelector('[data-chart="' + name + '"] polyline').setAttribute('points', points)
  }
  function cell(row, text, className) {
    const td = row.insertCell()
    td.textContent = text
    if (className) td.className = className
  }
  function render(s) {
    const seconds = last ? Math.max(0.001, (s.time - last.time) / 1000) : 0
    const inRate = last ? Math.max(0, s.messagesReceived - last.messagesReceived) / seconds : 0
    const outRate = last ? Math.max(0, s.messagesSent - last.messagesSent) / seconds : 0
    const calls = s.layers.reduce((a, l) => a + l.calls, 0), spent = s.layers.reduce((a, l) => a + l.seconds, 0)
    const lastCalls = last ? last.layers.reduce((a, l) => a + l.calls, 0) : 0, lastSpent = last ? last.layers.reduce((a, l) => a + l.seconds, 0) : 0
    const latency = calls > lastCalls ? (spent - lastSpent) / (calls - lastCalls) * 1000 : 0
    $('websockets').textContent = fmt(s.websockets)
    $('in-rate').textContent = fmt(inRate)
    $('out-rate').textContent = fmt(outRate)
    $('latency').textContent = calls > lastCalls ? latency.toFixed(2) : '–'
    push('websockets', s.websockets); push('in', inRate); push('out', outRate); push('latency', latency)
    $('processes').textContent = s.processes
    $('http').textContent = fmt(s.httpInFlight)
    $('received').textContent = fmt(s.messagesReceived)
    $('sent').textContent = fmt(s.messagesSent)
    $('slow').textContent = fmt(s.slowClientCloses)
    $('errors').textContent = fmt(s.applicationErrors)
    const layers = $('layers').tBodies[0]
    layers.replaceChildren()
    for (const l of s.layers) {
      const row = layers.insertRow()
      row.dataset.alias = l.alias
      cell(row, l.alias); cell(row, fmt(l.calls)); cell(row, l.calls ? (l.seconds / l.calls * 1000).toFixed(2) + ' ms' : '–')
      cell(row, fmt(l.received)); cell(row, fmt(l.channelFull))
      cell(row, l.subscriptions === null && l.reachable ? '–' : l.reachable ? 'up' : 'DOWN', l.reachable ? '' : 'down')
      cell(row, l.subscriptions === null ? '–' : fmt(l.subscriptions))
    }
    const groups = $('groups').tBodies[0]
    groups.replaceChildren()
    for (const g of s.groups) {
      const row = groups.insertRow()
      row.dataset.group = g.name
      cell(row, g.name); cell(row, fmt(g.members))
    }
    $('group-count').textContent = s.groupCount > s.groups.length ? '(largest ' + s.groups.length + ' of ' + s.groupCount + ')' : ''
    last = s
  }
  async function tick() {
    try {
      const response = await fetch('status/data', { headers: { authorization: 'Bearer ' + token }, cache: 'no-store' })
      if (response.status === 401) return askForToken()
      if (!response.ok) throw new Error('HTTP ' + response.status)
      render(await response.json())
      $('main').hidden = false
      setState('live', 'live · ' + new Date().toLocaleTimeString())
    } catch (error) {
      setState('error', 'cannot reach the server (' + error.message + '); retrying')
    }
    setTimeout(tick, 1000)
  }
  function askForToken() {
    sessionStorage.removeItem('tschannels-status-token')
    $('main').hidden = true
    $('login').hidden = false
    setState('login', token ? 'wrong token' : 'token needed')
  }
  $('login').addEventListener('submit', (event) => {
    event.preventDefault()
    token = $('token').value
    sessionStorage.setItem('tschannels-status-token', token)
    $('login').hidden = true
    tick()
  })
  if (location.hash) window.history.replaceState(null, '', location.pathname)
  if (token) { sessionStorage.setItem('tschannels-status-token', token); tick() } else askForToken()
})()
</script>
</body>
</html>
`
