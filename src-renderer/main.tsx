import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { bridgeSource } from './data/bridge-source.js'
import { monitorUrl, websocketSource } from './data/websocket-source.js'
import { RelayStore } from './model/relay-store.js'
import { App } from './ui/App.js'
import './styles.css'

// Inside the desktop app the preload script provides the bridge; in a browser the relay that served
// this page provides the monitoring socket.
const source = window.switchboard ? bridgeSource(window.switchboard) : websocketSource(monitorUrl(window.location))
const store = new RelayStore(source)
store.start()

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App store={store} desktop={window.switchboardDesktop} />
  </StrictMode>,
)
