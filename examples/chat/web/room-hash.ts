/**
 * The current room lives in the URL hash (`/#lobby`), so a reload or a shared
 * link opens it, and Back/Forward move between rooms.
 *
 * @module
 */

import { ROOM_PATTERN } from './types.js'

/** The room named in the hash: `undefined` when there is none, `null` when it is not a valid name. */
export function roomFromHash(hash: string = location.hash): string | undefined | null {
  let name: string
  try {
    name = decodeURIComponent(hash.replace(/^#\/?/, '')).trim()
  } catch {
    // Not even valid percent-encoding (`#%E0%A4%A`), so not a room name either.
    return null
  }
  if (name === '') return undefined
  return ROOM_PATTERN.test(name) ? name : null
}

/** Points the hash at `room` (a new history entry), or clears it. */
export function setRoomHash(room: string | undefined): void {
  if (room === undefined) {
    history.pushState(null, '', location.pathname + location.search)
  } else if (roomFromHash() !== room) {
    location.hash = room
  }
}

const RECENT_KEY = 'tschannels.chat.recentRooms'
const RECENT_MAX = 6

/** Rooms joined lately on this browser, newest first. */
export function recentRooms(): string[] {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]')
    return Array.isArray(value)
      ? value.filter((room): room is string => typeof room === 'string' && ROOM_PATTERN.test(room))
      : []
  } catch {
    // Storage can be disabled or full; the list is a convenience only.
    return []
  }
}

export function rememberRoom(room: string): void {
  const rooms = [room, ...recentRooms().filter((other) => other !== room)].slice(0, RECENT_MAX)
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(rooms))
  } catch {
    // See recentRooms.
  }
}
