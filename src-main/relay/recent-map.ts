/**
 * A map that keeps at most `capacity` entries, forgetting the least recently set first, so state
 * kept per remote address cannot be grown without bound by a scan of many addresses.
 */
export class RecentMap<K, V> {
  private readonly entries = new Map<K, V>()

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    return this.entries.get(key)
  }

  has(key: K): boolean {
    return this.entries.has(key)
  }

  /** Stores `value` as the most recent entry. */
  set(key: K, value: V): void {
    this.entries.delete(key)
    this.entries.set(key, value)
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!)
  }

  delete(key: K): void {
    this.entries.delete(key)
  }

  /** Most recently set first. */
  newestFirst(): [K, V][] {
    return [...this.entries].reverse()
  }
}
