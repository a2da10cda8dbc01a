/** How a device is named everywhere in the dashboard: its name once known, else its address. */
export const deviceLabel = (device: { address: string; name?: string }) => device.name ?? device.address

/** The name with the address beside it, or the address alone while no name is known. */
export function DeviceName({ device }: { device: { address: string; name?: string } }) {
  return (
    <span className="device-name" title={device.name ? `${device.name} (${device.address})` : device.address}>
      {deviceLabel(device)}
      {device.name && <span className="secondary">{device.address}</span>}
    </span>
  )
}

/** A peer id with the name of the device it connects from, when one is known. */
export function PeerOnDevice({ id, deviceName }: { id: string; deviceName?: string }) {
  return (
    <span title={deviceName ? `${id} on ${deviceName}` : id}>
      <span className="id">{id}</span>
      {deviceName && <span className="secondary">{deviceName}</span>}
    </span>
  )
}
