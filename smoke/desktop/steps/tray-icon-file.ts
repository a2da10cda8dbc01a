import path from 'node:path'
import { runningApp, type SmokeStep } from '../smoke-step.js'

/**
 * Issue 16 item 5: tray icons are unpacked beside app.asar (asarUnpack), so Windows reads its .ico
 * files from real files rather than from copies in %TEMP% that get cleaned. Expected: the icon of
 * this platform is a file in app.asar.unpacked and loads as a non-empty image of at least 16 px.
 */
export const trayIconFile: SmokeStep = {
  name: 'the packaged tray icons load from real files beside app.asar (the .ico on Windows)',
  async run(context) {
    const app = runningApp(context)
    const name = process.platform === 'darwin' ? 'tray-idleTemplate.png' : process.platform === 'win32' ? 'tray-idle.ico' : 'tray-idle.png'
    const loaded = await app.electron.evaluate(({ nativeImage }, [file, separator]) => {
      const icon = `${process.resourcesPath}${separator}app.asar.unpacked${separator}assets${separator}tray${separator}${file}`
      const image = nativeImage.createFromPath(icon)
      return { icon, empty: image.isEmpty(), size: image.getSize() }
    }, [name, path.sep] as const)
    if (loaded.empty || loaded.size.width < 16) throw new Error(`${loaded.icon} did not load as an icon: ${JSON.stringify(loaded)}`)
  },
}
