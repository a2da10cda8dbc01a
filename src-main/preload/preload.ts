/**
 * The window's preload script. It runs sandboxed, beside the page but isolated from it, and hands
 * the page exactly two objects: the dashboard's bridge and the app's settings API. The page never
 * sees ipcRenderer, Node or Electron.
 */
import { contextBridge, ipcRenderer } from 'electron'
import { EXPOSED_API } from '../../shared/ipc-schema.js'
import { IpcClient, dashboardBridge, desktopBridge } from './bridges.js'

const client = new IpcClient(ipcRenderer)
contextBridge.exposeInMainWorld(EXPOSED_API.dashboard, dashboardBridge(client))
contextBridge.exposeInMainWorld(EXPOSED_API.desktop, desktopBridge(client))
