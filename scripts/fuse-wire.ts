/**
 * Electron's fuses as a packaged binary carries them, read with @electron/fuses (electron-builder's
 * own dependency, the code that writes them), named as electron-builder.yml's `electronFuses` keys.
 */
import { createRequire } from 'node:module'
import type { Configuration } from 'electron-builder'

const builderRequire = createRequire(createRequire(import.meta.url).resolve('electron-builder'))
const fuses = builderRequire('@electron/fuses') as {
  getCurrentFuseWire(pathToElectron: string): Promise<Record<string, string | number>>
  FuseV1Options: Record<string, string | number>
}
// The wire's byte values and marker, which the package's index does not re-export.
const { FuseState, SENTINEL } = builderRequire('@electron/fuses/dist/constants') as {
  FuseState: { ENABLE: number; DISABLE: number; REMOVED: number }
  SENTINEL: string
}

export type FuseName = keyof NonNullable<Configuration['electronFuses']>
/** Each fuse of the wire: on, off, or gone from this Electron version. */
export type FuseStates = Partial<Record<FuseName, boolean | 'removed'>>

/** `RunAsNode` (the enum's name) is electron-builder's `runAsNode`. */
const configName = (enumName: string) => (enumName[0]!.toLowerCase() + enumName.slice(1)) as FuseName

/** The fuses of the Electron binary at `executable` (on macOS, the app's executable inside the .app). */
export async function readFuses(executable: string): Promise<FuseStates> {
  const wire = await fuses.getCurrentFuseWire(executable)
  const states: FuseStates = {}
  for (const [index, state] of Object.entries(wire)) {
    const name = fuses.FuseV1Options[index]
    if (index === 'version' || typeof name !== 'string') continue
    states[configName(name)] = state === FuseState.REMOVED ? 'removed' : state === FuseState.ENABLE
  }
  return states
}

/** The fuses a configuration sets (its `electronFuses`, without electron-builder's signing switch). */
export function configuredFuses(config: Configuration): FuseStates {
  const { resetAdHocDarwinSignature: _signing, ...set } = config.electronFuses ?? {}
  return set
}

/** Each fuse the binary has otherwise than `wanted`; empty when all match. */
export function fuseProblems(actual: FuseStates, wanted: FuseStates): string[] {
  return (Object.entries(wanted) as [FuseName, boolean][])
    .filter(([name, value]) => actual[name] !== value)
    .map(([name, value]) => `fuse ${name} is ${String(actual[name] ?? 'missing')}, should be ${value}`)
}

/**
 * A stand-in for the Electron binary where none can be downloaded: only the fuse wire, every fuse
 * in Electron's default state, so that electron-builder has something to flip.
 */
export function standInElectronBinary(): Buffer {
  const { ENABLE, DISABLE } = FuseState
  const defaults = [ENABLE, DISABLE, ENABLE, ENABLE, DISABLE, DISABLE, DISABLE, ENABLE]
  return Buffer.concat([Buffer.from('#!/bin/sh\nexit 1\n'), Buffer.from(SENTINEL), Buffer.from([1, defaults.length, ...defaults])])
}
