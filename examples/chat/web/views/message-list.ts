/**
 * The message list. It keeps one `<li>` per message id and inserts new ones
 * where they belong, so history pages, live messages and the catch-up after
 * a reconnect can arrive in any order without re-rendering what is on screen
 * or making the view jump.
 *
 * @module
 */

import type { ChatMessage } from '../types.js'
import { avatar, byTestId, el, query } from './dom.js'

/** Within this distance of the top the next older page is loaded. */
const LOAD_OLDER_PX = 120
/** Within this distance of the bottom the view follows new messages. */
const STICK_BOTTOM_PX = 80
/** Consecutive messages from one person within this window share a header. */
const GROUP_SECONDS = 5 * 60

export class MessageList {
  readonly #wrap = query('.messages-wrap')
  readonly #scroller = byTestId('message-scroller')
  readonly #list = byTestId<HTMLOListElement>('message-list')
  readonly #loadOlder = byTestId<HTMLButtonElement>('load-older')
  readonly #start = query('.history-start')
  readonly #jump = byTestId<HTMLButtonElement>('jump-latest')
  readonly #nodes = new Map<number, HTMLLIElement>()
  #me = ''
  // Whether the reader was at the bottom before the last layout change.
  #stuck = true

  constructor(onNearTop: () => void) {
    this.#scroller.addEventListener(
      'scroll',
      () => {
        this.#stuck = this.#nearBottom()
        if (this.#scroller.scrollTop < LOAD_OLDER_PX && !this.#loadOlder.hidden) onNearTop()
        if (this.#stuck) this.#jump.hidden = true
      },
      { passive: true },
    )
    // A banner, the member panel or the on-screen keyboard shrinks the list: keep the newest message in view.
    new ResizeObserver(() => {
      if (this.#stuck) this.scrollToBottom()
    }).observe(this.#scroller)
    this.#loadOlder.addEventListener('click', onNearTop)
    this.#jump.addEventListener('click', () => this.scrollToBottom())
  }

  /** Empties the list for a new room; `me` marks which messages are the user's own. */
  reset(me: string): void {
    this.#me = me
    this.#nodes.clear()
    this.#list.replaceChildren()
    this.#jump.hidden = true
    this.#stuck = true
    this.setHistory({ hasOlder: true, loading: false })
  }

  set visible(visible: boolean) {
    this.#wrap.hidden = !visible
  }

  /**
   * Brings the DOM in line with `messages` (oldest first). `follow` scrolls to
   * the bottom whatever the position, for the first page and for one's own sends.
   */
  render(messages: readonly ChatMessage[], follow = false): void {
    const stick = follow || this.#stuck
    const anchor = this.#firstVisible()
    const anchorTop = anchor?.offsetTop ?? 0
    const lastBefore = this.#list.lastElementChild

    let next: Element | null = this.#list.firstElementChild
    for (const message of messages) {
      const existing = this.#nodes.get(message.id)
      if (existing) {
        next = existing.nextElementSibling
        continue
      }
      const node = this.#renderMessage(message)
      this.#nodes.set(message.id, node)
      this.#list.insertBefore(node, next)
    }
    this.#regroup()
    this.#updateStart()

    if (stick) {
      this.scrollToBottom()
    } else {
      // Keep what the reader was looking at in place when older messages arrive above it.
      if (anchor) this.#scroller.scrollTop += anchor.offsetTop - anchorTop
      if (this.#list.lastElementChild !== lastBefore) this.#jump.hidden = false
    }
  }

  /** Shows "Load older messages", a loading state, or the start of the room. */
  setHistory(state: { hasOlder: boolean; loading: boolean }): void {
    this.#loadOlder.hidden = !state.hasOlder
    this.#loadOlder.disabled = state.loading
    this.#loadOlder.textContent = state.loading ? 'Loading…' : 'Load older messages'
    this.#start.hidden = state.hasOlder
    this.#updateStart()
    this.#scroller.setAttribute('aria-busy', String(state.loading))
  }

  scrollToBottom(): void {
    this.#scroller.scrollTop = this.#scroller.scrollHeight
    this.#stuck = true
    this.#jump.hidden = true
  }

  /** True when the list does not fill the view, so scrolling cannot trigger the next page. */
  get underfilled(): boolean {
    return this.#scroller.scrollHeight <= this.#scroller.clientHeight + LOAD_OLDER_PX
  }

  #updateStart(): void {
    this.#start.textContent =
      this.#nodes.size === 0 ? 'No messages yet. Say hello!' : 'This is the start of the room.'
  }

  #nearBottom(): boolean {
    const { scrollTop, scrollHeight, clientHeight } = this.#scroller
    return scrollHeight - scrollTop - clientHeight < STICK_BOTTOM_PX
  }

  #firstVisible(): HTMLElement | undefined {
    const top = this.#scroller.scrollTop
    for (const node of this.#nodes.values()) {
      if (node.offsetTop + node.offsetHeight > top) return node
    }
    return undefined
  }

  #renderMessage(message: ChatMessage): HTMLLIElement {
    const own = message.username === this.#me
    const when = toDate(message.time)
    const time = el('time', { className: 'time', text: when ? formatTime(when) : '' })
    if (when) {
      time.dateTime = when.toISOString()
      time.title = when.toLocaleString()
    }
    const meta = el('p', { className: 'meta' }, [
      el('span', {
        className: 'author',
        text: message.username,
        attrs: { 'data-testid': 'message-username' },
      }),
      own ? el('span', { className: 'you', text: '(you)' }) : el('span'),
      time,
    ])
    const body = el('p', { className: 'text', text: message.text, attrs: { 'data-testid': 'message-text' } })
    const node = el(
      'li',
      {
        className: own ? 'message own' : 'message',
        attrs: { 'data-testid': 'message', 'data-id': String(message.id), 'data-username': message.username },
      },
      [avatar(message.username), el('div', { className: 'bubble' }, [meta, body])],
    )
    node.dataset.epoch = String(when ? when.getTime() / 1000 : 0)
    return node
  }

  /** Marks messages that continue the previous one (same author, close in time) to hide their header. */
  #regroup(): void {
    let previous: HTMLElement | undefined
    for (const node of this.#list.children as HTMLCollectionOf<HTMLElement>) {
      const continued =
        previous !== undefined &&
        previous.dataset.username === node.dataset.username &&
        Number(node.dataset.epoch) - Number(previous.dataset.epoch) < GROUP_SECONDS
      node.classList.toggle('continued', continued)
      previous = node
    }
  }
}

/** Accepts epoch seconds, epoch milliseconds or an ISO string: the contract leaves the format open. */
function toDate(time: number | string | undefined): Date | undefined {
  if (time === undefined || time === '') return undefined
  const numeric = typeof time === 'number' ? time : Number(time)
  const date = Number.isFinite(numeric)
    ? new Date(numeric < 1e12 ? numeric * 1000 : numeric)
    : new Date(String(time))
  return Number.isNaN(date.getTime()) ? undefined : date
}

function formatTime(date: Date): string {
  const clock = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
  if (date.toDateString() === new Date().toDateString()) return clock
  return `${date.toLocaleDateString([], { day: 'numeric', month: 'short' })}, ${clock}`
}
