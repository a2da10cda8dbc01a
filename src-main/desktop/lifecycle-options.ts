import type { DesktopSettings } from '../../shared/ipc-schema.js'
import type { LifecycleOptions } from './relay-lifecycle.js'

/** The part of the settings the relay runs with; the rest (start at login) never restarts it. */
export function lifecycleOptions(settings: DesktopSettings): LifecycleOptions {
  return {
    engine: {
      host: settings.listenAddress || undefined,
      port: settings.port,
      limits: settings.limits,
      adminToken: settings.adminToken || undefined,
      access: { token: settings.accessToken || undefined, allowPublic: settings.allowPublic },
    },
    advertising: {
      advertise: settings.advertise,
      interfaces: settings.advertiseInterfaces,
      name: settings.relayName || undefined,
      tokenRequired: settings.accessToken !== '',
    },
  }
}
