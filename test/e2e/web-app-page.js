// The web app the browser-helper tests load, as an app's own code would use the two modules: it
// finds the relay with lan-client's helper and talks through it with the published Client. Its
// API for the tests (`window.webApp`) is typed in web-app.ts.
import { findRelay } from '/lan-client/browser.js'
import { Client } from '/relay-client.js'

const received = []
const messageWaiters = []
let pipe

window.webApp = {
  errors: [],

  async find(options) {
    try {
      return { url: await findRelay(options) }
    } catch (error) {
      return { error: error.name, message: error.message, failures: error.failures ?? [] }
    }
  },

  join(url, peerId, documentId) {
    const client = new Client({ url, peerId, documentIds: [documentId] })
    client.on('error', error => window.webApp.errors.push(String(error?.message ?? error)))
    return new Promise(resolve => {
      client.on('peer-connect', ({ peerId: partner, socket }) => {
        pipe = socket
        socket.addEventListener('message', event => {
          received.push(typeof event.data === 'string' ? event.data : `binary ${new Uint8Array(event.data).join(',')}`)
          for (const wake of messageWaiters.splice(0)) wake()
        })
        resolve(partner)
      })
    })
  },

  // Resolves with the messages once `count` have arrived.
  async receive(count) {
    while (received.length < count) await new Promise(resolve => messageWaiters.push(resolve))
    return [...received]
  },

  send(message) {
    pipe.send(typeof message === 'string' ? message : new Uint8Array(message))
  },

  // What the engine does with a WebSocket to `url` from this page: 'open', 'error' or the exception it throws.
  tryWebSocket(url) {
    return new Promise(resolve => {
      let socket
      try {
        socket = new WebSocket(url)
      } catch (error) {
        resolve(`${error.name}: ${error.message}`)
        return
      }
      socket.onopen = () => {
        socket.close()
        resolve('open')
      }
      socket.onerror = () => resolve('error')
    })
  },
}
