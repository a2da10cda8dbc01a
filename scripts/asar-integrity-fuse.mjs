// @ts-check
/**
 * electron-builder's afterPack hook (electron-builder.yml): the embeddedAsarIntegrityValidation
 * fuse, only for the build paths that support it. With the fuse on, Electron refuses to start,
 * without any dialog, when app.asar's hash does not match the one recorded at packaging time:
 *
 * - macOS (`darwin`, `mas`): electron-builder records the hash in Info.plist and signs afterwards.
 *   On.
 * - Windows: the hash is a resource inside the .exe, which a build on Linux or macOS cannot
 *   write and which a signature added after packing changes (electron-builder#9428, #8690). Off.
 * - Linux: Electron validates nothing there. Off.
 *
 * It runs before electron-builder flips the other fuses (electronFuses) and re-signs macOS ad hoc.
 */

/** Where the fuse goes on; a Windows release built and signed on Windows by electron-builder itself could add 'win32'. */
export const INTEGRITY_FUSE_PLATFORMS = ['darwin', 'mas']

/**
 * @param {{ electronPlatformName: string, packager: { generateFuseConfig(fuses: { enableEmbeddedAsarIntegrityValidation: boolean }): Promise<unknown>, addElectronFuses(context: unknown, fuses: unknown): Promise<unknown> } }} context
 */
export default async function asarIntegrityFuse(context) {
  if (!INTEGRITY_FUSE_PLATFORMS.includes(context.electronPlatformName)) return
  const fuses = await context.packager.generateFuseConfig({ enableEmbeddedAsarIntegrityValidation: true })
  await context.packager.addElectronFuses(context, fuses)
}
