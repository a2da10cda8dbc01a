/**
 * Where each hub and device sits in the picture. Deterministic and sticky: a node keeps its place
 * for as long as it is shown, whatever else changes, so nothing jumps on an update. Hubs take the
 * free slot nearest the middle on a sunflower spiral; a device is placed once, just outside the
 * hubs it joined, then moved along that ring until it overlaps nothing.
 */
import type { Topology } from './topology.js'

export interface Point {
  x: number
  y: number
}

/** Distance between neighbouring hub slots, in picture units. */
export const HUB_SPACING = 48
/** How far outside its hubs a device is placed, and how close two nodes may come. */
const DEVICE_OFFSET = 40
const MIN_GAP = 26
/** Devices keep further from hubs: a hub grows with the devices on it, and its label sits below it. */
const HUB_GAP = 36
const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5))

const slotPoint = (slot: number): Point => {
  const radius = HUB_SPACING * Math.sqrt(slot + 0.5)
  return { x: radius * Math.cos(slot * GOLDEN_ANGLE), y: radius * Math.sin(slot * GOLDEN_ANGLE) }
}

/** A stable angle for a key, so a device with no hub still lands in the same place every time. */
function angleOf(key: string): number {
  let hash = 2166136261
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 16777619)
  return ((hash >>> 0) / 2 ** 32) * 2 * Math.PI
}

export class TopologyLayout {
  private readonly hubSlots = new Map<string, number>()
  private readonly devicePoints = new Map<string, Point>()

  hub(id: string): Point | undefined {
    const slot = this.hubSlots.get(id)
    return slot === undefined ? undefined : slotPoint(slot)
  }

  device(address: string): Point | undefined {
    return this.devicePoints.get(address)
  }

  /** Places what is new in `topology` and forgets what left; everything else stays where it was. */
  update(topology: Topology): void {
    const hubs = new Set(topology.hubs.map(hub => hub.id))
    for (const id of this.hubSlots.keys()) if (!hubs.has(id)) this.hubSlots.delete(id)
    const addresses = new Set(topology.devices.map(device => device.address))
    for (const address of this.devicePoints.keys()) if (!addresses.has(address)) this.devicePoints.delete(address)

    const taken = new Set(this.hubSlots.values())
    let next = 0
    for (const { id } of topology.hubs) {
      if (this.hubSlots.has(id)) continue
      while (taken.has(next)) next++
      this.hubSlots.set(id, next)
      taken.add(next)
    }

    const hubsOf = new Map<string, Point[]>()
    for (const { address, documentId } of topology.edges) {
      const list = hubsOf.get(address) ?? []
      list.push(this.hub(documentId)!)
      hubsOf.set(address, list)
    }
    for (const { address } of topology.devices) {
      if (this.devicePoints.has(address)) continue
      this.devicePoints.set(address, this.freePointNear(hubsOf.get(address) ?? [], address))
    }
  }

  /**
   * In the direction of its hubs from the middle, just outside the furthest of them: a device in one
   * document sits beside it, one in documents all over the picture goes to the rim, where its lines
   * fan in rather than pile up in the middle. Then along that ring, and outwards, until nothing is
   * too close.
   */
  private freePointNear(hubs: readonly Point[], address: string): Point {
    const centre = hubs.length > 0 ? { x: hubs.reduce((sum, p) => sum + p.x, 0) / hubs.length, y: hubs.reduce((sum, p) => sum + p.y, 0) / hubs.length } : { x: 0, y: 0 }
    const angle = Math.hypot(centre.x, centre.y) > HUB_SPACING / 2 ? Math.atan2(centre.y, centre.x) : angleOf(address)
    const reach = hubs.length > 0 ? Math.max(...hubs.map(p => Math.hypot(p.x, p.y))) : HUB_SPACING * Math.sqrt(this.hubSlots.size + 0.5)
    for (let ring = 0; ring < 40; ring++) {
      const radius = reach + DEVICE_OFFSET + ring * MIN_GAP
      const step = MIN_GAP / radius
      for (let k = 0; k * step < Math.PI; k++) {
        for (const turn of k === 0 ? [angle] : [angle + k * step, angle - k * step]) {
          const point = { x: radius * Math.cos(turn), y: radius * Math.sin(turn) }
          if (this.isFree(point)) return point
        }
      }
    }
    return { x: (reach + DEVICE_OFFSET) * Math.cos(angle), y: (reach + DEVICE_OFFSET) * Math.sin(angle) }
  }

  private isFree(point: Point): boolean {
    const near = (other: Point, gap: number) => Math.hypot(other.x - point.x, other.y - point.y) < gap
    for (const slot of this.hubSlots.values()) if (near(slotPoint(slot), HUB_GAP)) return false
    for (const other of this.devicePoints.values()) if (near(other, MIN_GAP)) return false
    return true
  }
}
