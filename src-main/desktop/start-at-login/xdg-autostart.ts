/**
 * Start at login on Linux: an entry in the XDG autostart folder, which every common desktop
 * (GNOME, KDE, Xfce, Cinnamon, MATE, LXQt) reads at login. Electron's login item API does nothing there.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import path from 'node:path'

const AUTOSTART_FILE_NAME = 'switchboard.desktop'

/** `$XDG_CONFIG_HOME/autostart`, else `~/.config/autostart`. */
export function xdgAutostartDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(homedir(), '.config'), 'autostart')
}

/** The entry's text; `command` is the program and its arguments, unquoted. */
export function autostartEntry(command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Switchboard',
    'Comment=LAN relay for local-first apps',
    `Exec=${command.map(execArgument).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n')
}

/**
 * One argument of an Exec key, by the Desktop Entry spec: quoted when it holds a reserved
 * character, with `"`, `` ` ``, `$` and `\` escaped inside the quotes; `%` doubled (field codes);
 * then backslashes doubled once more, because the key is also a string value.
 */
export function execArgument(argument: string): string {
  const percent = argument.replace(/%/g, '%%')
  const quoted = /[\s"'\\><~|&;$*?#()`]/.test(percent) ? `"${percent.replace(/["`$\\]/g, c => `\\${c}`)}"` : percent
  return quoted.replace(/\\/g, '\\\\')
}

export class XdgAutostart {
  readonly file: string

  constructor(
    directory: string,
    private readonly command: readonly string[],
  ) {
    this.file = path.join(directory, AUTOSTART_FILE_NAME)
  }

  get enabled(): boolean {
    return existsSync(this.file)
  }

  set enabled(enabled: boolean) {
    if (!enabled) {
      rmSync(this.file, { force: true })
      return
    }
    mkdirSync(path.dirname(this.file), { recursive: true })
    writeFileSync(this.file, autostartEntry(this.command))
  }
}
