/**
 * The relay writes relayed messages as WebSocket frames itself (src-main/relay/data-frames.ts):
 * small ones batched into one write, large ones as they are. Every length encoding, both frame
 * types, and small and large messages interleaved must arrive exactly as sent, in order, to a real
 * ws client and as the exact bytes RFC 6455 prescribes on the wire.
 */
import { once } from 'node:events'
import net from 'node:net'
import { describe, expect, test } from 'vitest'
import { COPY_BELOW_BYTES } from '../../src-main/relay/data-frames.js'
import { RawPeer, useRelay } from '../helpers/relay.js'

/** Around every boundary: 7-bit lengths end at 125, 16-bit at 65535; the batch takes payloads below COPY_BELOW_BYTES. */
const LENGTHS = [0, 1, 125, 126, 127, 1000, COPY_BELOW_BYTES - 1, COPY_BELOW_BYTES, 65_535, 65_536, 65_537, 1024 * 1024]

const relays = useRelay()

/** A payload whose bytes say which message and offset they are, so a shifted or mixed frame shows. */
function payload(index: number, length: number, text: boolean): Buffer | string {
  if (text) return `${index}:`.padEnd(length, String.fromCharCode(97 + (index % 26))).slice(0, length)
  const bytes = Buffer.alloc(length)
  for (let i = 0; i < length; i++) bytes[i] = (index * 31 + i) & 0xff
  return bytes
}

/** Sends messages as it runs, the ones that fit into one read together, so batches and large frames interleave. */
function messages(): { data: Buffer | string; text: boolean }[] {
  const list: { data: Buffer | string; text: boolean }[] = []
  let index = 0
  for (const length of LENGTHS) {
    for (const text of [false, true]) {
      list.push({ data: payload(index++, length, text), text })
      // A few tiny ones after each, so a batch is pending when the next large one comes.
      for (let k = 0; k < 3; k++) list.push({ data: payload(index++, k * 7, k % 2 === 1), text: k % 2 === 1 })
    }
  }
  return list
}

async function livePipe(url: string): Promise<{ sender: RawPeer; receiver: RawPeer }> {
  const sender = relays.track(new RawPeer(`${url}/connection/s/r/doc`))
  const receiver = relays.track(new RawPeer(`${url}/connection/r/s/doc`))
  await Promise.all([sender.opened, receiver.opened, once(sender.socket, 'ping'), once(receiver.socket, 'ping')])
  sender.send('ready?')
  await receiver.waitForMessages(1)
  receiver.received.length = 0
  return { sender, receiver }
}

describe('relayed frames', () => {
  test('every length encoding, text and binary, small and large interleaved, arrives exactly and in order', async () => {
    const { url } = await relays.start()
    const { sender, receiver } = await livePipe(url)
    const sent = messages()
    for (const { data, text } of sent) sender.send(data, !text)
    await receiver.waitForMessages(sent.length, 20_000)
    expect(receiver.received.map(m => m.isBinary)).toEqual(sent.map(m => !m.text))
    receiver.received.forEach((message, i) => {
      const expected = sent[i]!.data
      expect(message.data.equals(typeof expected === 'string' ? Buffer.from(expected) : expected), `message ${i}`).toBe(true)
    })
  })

  test('on the wire: one unmasked final frame per message with the shortest length encoding', async () => {
    const { url, port } = await relays.start()
    const sender = relays.track(new RawPeer(`${url}/connection/s/r/doc`))
    await Promise.all([sender.opened, once(sender.socket, 'ping')])
    const wire = await rawReceiver(port, '/connection/r/s/doc')
    const expected: Buffer[] = []
    LENGTHS.forEach((length, i) => {
      const data = payload(i, length, false) as Buffer
      sender.send(data, true)
      expected.push(Buffer.concat([frameHeader(0x82, length), data]))
    })
    sender.send('done', false)
    expected.push(Buffer.concat([frameHeader(0x81, 4), Buffer.from('done')]))
    const total = expected.reduce((sum, frame) => sum + frame.length, 0)
    const bytes = await wire.read(total)
    expect(bytes.equals(Buffer.concat(expected))).toBe(true)
    wire.socket.destroy()
  })
})

/** The header RFC 6455 prescribes for an unmasked final frame. */
function frameHeader(first: number, length: number): Buffer {
  if (length < 126) return Buffer.from([first, length])
  if (length < 65_536) return Buffer.from([first, 126, length >> 8, length & 0xff])
  const header = Buffer.alloc(10)
  header[0] = first
  header[1] = 127
  header.writeBigUInt64BE(BigInt(length), 2)
  return header
}

/**
 * A hand-made WebSocket client on a plain TCP socket: it upgrades, answers the relay's first ping
 * (so the relay may send to it) and then collects every byte after that pong's exchange, skipping
 * the relay's ping frames.
 */
async function rawReceiver(port: number, path: string): Promise<{ socket: net.Socket; read: (count: number) => Promise<Buffer> }> {
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  )
  let buffered = Buffer.alloc(0)
  let upgraded = false
  let dataStarted = false
  const data: Buffer[] = []
  let dataLength = 0
  let wake: (() => void) | undefined
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk])
    if (!upgraded) {
      const end = buffered.indexOf('\r\n\r\n')
      if (end === -1) return
      expect(buffered.subarray(0, 12).toString()).toBe('HTTP/1.1 101')
      upgraded = true
      buffered = buffered.subarray(end + 4)
    }
    // The first ping (0x89) is answered with a masked pong and left out; everything after is data for the test.
    while (!dataStarted && buffered.length >= 2 && buffered[0] === 0x89) {
      const length = buffered[1]! & 0x7f
      if (buffered.length < 2 + length) return
      const body = buffered.subarray(2, 2 + length)
      socket.write(Buffer.concat([Buffer.from([0x8a, 0x80 | length, 0, 0, 0, 0]), body]))
      buffered = buffered.subarray(2 + length)
    }
    if (buffered.length > 0 && (dataStarted || buffered[0] !== 0x89)) {
      dataStarted = true
      data.push(buffered)
      dataLength += buffered.length
      buffered = Buffer.alloc(0)
    }
    wake?.()
  })
  const read = async (count: number) => {
    while (dataLength < count) await new Promise<void>(resolve => (wake = resolve))
    return Buffer.concat(data)
  }
  return { socket, read }
}
