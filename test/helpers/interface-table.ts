/** Entries of made-up interface tables (the shape os.networkInterfaces() returns), for the pure interface rules. */
import type { NetworkInterfaceInfo } from 'node:os'

export const v4 = (address: string, internal = false): NetworkInterfaceInfo => ({ address, netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal, cidr: `${address}/24` })
export const v6 = (address: string, scopeid = 0): NetworkInterfaceInfo => ({ address, netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: `${address}/64`, scopeid })
