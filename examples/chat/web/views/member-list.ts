/**
 * The member list: a sidebar on wide screens, a collapsed panel behind a
 * toggle on phones (CSS decides which; the toggle only flips `aria-expanded`).
 *
 * @module
 */

import { avatar, byTestId, el, query } from './dom.js'

export class MemberList {
  readonly #root = query<HTMLElement>('aside.members')
  readonly #list = byTestId<HTMLUListElement>('member-list')
  readonly #counts = [byTestId('member-count'), byTestId('member-count-toggle')]
  readonly #toggle = byTestId<HTMLButtonElement>('members-toggle')

  constructor() {
    this.#toggle.addEventListener('click', () => {
      const expanded = this.#toggle.getAttribute('aria-expanded') !== 'true'
      this.#toggle.setAttribute('aria-expanded', String(expanded))
    })
  }

  set visible(visible: boolean) {
    this.#root.hidden = !visible
  }

  render(names: readonly string[], me: string): void {
    for (const count of this.#counts) count.textContent = String(names.length)
    this.#list.replaceChildren(
      ...names.map((name) =>
        el('li', { className: name === me ? 'member own' : 'member', attrs: { 'data-username': name } }, [
          avatar(name),
          el('span', { className: 'member-name', text: name }),
          ...(name === me ? [el('span', { className: 'you', text: '(you)' })] : []),
        ]),
      ),
    )
    if (names.length === 0)
      this.#list.append(el('li', { className: 'member muted', text: 'Nobody here yet' }))
  }
}
