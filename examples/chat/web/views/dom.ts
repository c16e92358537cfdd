/**
 * DOM helpers. The page's skeleton is static HTML (public/index.html); code
 * only finds elements by their `data-testid`, which keeps the markup, the
 * browser tests and the code pointing at the same names.
 *
 * @module
 */

/** The element with this `data-testid` (below `root`); throws if the markup lost it. */
export function byTestId<T extends HTMLElement = HTMLElement>(id: string, root: ParentNode = document): T {
  const element = root.querySelector<T>(`[data-testid="${id}"]`)
  if (!element) throw new Error(`missing element [data-testid="${id}"]`)
  return element
}

/** The first element matching `selector` below `root`; throws if there is none. */
export function query<T extends HTMLElement = HTMLElement>(selector: string, root: ParentNode = document): T {
  const element = root.querySelector<T>(selector)
  if (!element) throw new Error(`missing element ${selector}`)
  return element
}

/**
 * Creates an element whose text is set with `textContent`: user data never
 * goes through an HTML parser, so a message like `<img onerror=...>` stays text.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; text?: string; attrs?: Record<string, string> } = {},
  children: Node[] = [],
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  if (props.className) element.className = props.className
  if (props.text !== undefined) element.textContent = props.text
  for (const [name, value] of Object.entries(props.attrs ?? {})) element.setAttribute(name, value)
  element.append(...children)
  return element
}

/** A stable hue for a username, so each person's avatar keeps its colour. */
export function hueOf(name: string): number {
  let hash = 0
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0
  return hash % 360
}

/** A small round avatar with the user's initial. */
export function avatar(name: string): HTMLSpanElement {
  const span = el('span', {
    className: 'avatar',
    text: name.charAt(0).toUpperCase(),
    attrs: { 'aria-hidden': 'true' },
  })
  span.style.setProperty('--hue', String(hueOf(name)))
  return span
}
