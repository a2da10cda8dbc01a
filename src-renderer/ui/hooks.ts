import { useEffect, useState, useSyncExternalStore } from 'react'
import type { RelayState } from '../model/relay-state.js'
import type { RelayStore } from '../model/relay-store.js'

export function useRelayState(store: RelayStore): RelayState {
  return useSyncExternalStore(store.subscribe, store.getState)
}

/** The relay's current time, ticking once a second, for ages and uptime. */
export function useNow(clockOffsetMs: number): number {
  const [local, setLocal] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setLocal(Date.now()), 1_000)
    return () => clearInterval(timer)
  }, [])
  return local + clockOffsetMs
}

/** The view named in the URL's fragment (`#peers`), so views can be linked and Back works. */
export function useHashRoute<Route extends string>(routes: readonly Route[], fallback: Route): [Route, (route: Route) => void] {
  const read = () => {
    const name = window.location.hash.slice(1)
    return (routes as readonly string[]).includes(name) ? (name as Route) : fallback
  }
  const [route, setRoute] = useState(read)
  useEffect(() => {
    const onChange = () => setRoute(read())
    window.addEventListener('hashchange', onChange)
    return () => window.removeEventListener('hashchange', onChange)
  })
  const go = (next: Route) => {
    window.location.hash = next
    setRoute(next)
  }
  return [route, go]
}
