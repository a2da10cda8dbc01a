#!/usr/bin/python3
"""
An independent look at the relays' advertisements, with python-zeroconf (not bonjour-service).

  zeroconf_check.py browse SECONDS  browse _lf-relay._tcp for SECONDS, resolve every instance (SRV,
                                    TXT, addresses), resolve each SRV target's .local name with a
                                    plain mDNS A query on a fresh cache, print one JSON object
  zeroconf_check.py resolve NAME    print the addresses every host answering a plain mDNS A query for NAME gives
  zeroconf_check.py ask NAME        ask for NAME's A record every 200 ms (fresh queries, no cache) and print a
                                    JSON line for every answer heard from any host, until stdin closes
  zeroconf_check.py watch           print a JSON line for every instance added, updated or removed,
                                    until stdin closes
"""
import json
import select
import socket
import struct
import sys
import time

from zeroconf import DNSAddress, DNSIncoming, DNSOutgoing, DNSQuestion, ServiceBrowser, Zeroconf, const

SERVICE_TYPE = '_lf-relay._tcp.local.'


def resolve_host(name, timeout=1.5):
    """A plain A query for a .local name, answered into a cache nothing else has filled."""
    zc = Zeroconf()
    try:
        out = DNSOutgoing(const._FLAGS_QR_QUERY)
        out.add_question(DNSQuestion(name, const._TYPE_A, const._CLASS_IN))
        zc.send(out)
        deadline = time.time() + timeout
        while time.time() < deadline:
            records = zc.cache.get_all_by_details(name, const._TYPE_A, const._CLASS_IN)
            if records:
                return sorted(socket.inet_ntoa(record.address) for record in records)
            time.sleep(0.05)
        return []
    finally:
        zc.close()


def browse(seconds):
    zc = Zeroconf()
    names = set()
    ServiceBrowser(zc, SERVICE_TYPE, handlers=[lambda zeroconf, service_type, name, state_change: names.add(name)])
    time.sleep(seconds)
    services = []
    for name in sorted(names):
        info = zc.get_service_info(SERVICE_TYPE, name, timeout=2000)
        if info is None:
            services.append({'name': name, 'resolved': False})
            continue
        txt = {key.decode(): (value.decode() if value is not None else None) for key, value in info.properties.items()}
        services.append({
            'name': name,
            'resolved': True,
            'server': info.server,
            'port': info.port,
            'addresses': sorted(info.parsed_addresses()),
            'txt': txt,
        })
    zc.close()
    for service in services:
        if service.get('server'):
            service['hostResolves'] = resolve_host(service['server'])
    print(json.dumps({'services': services}), flush=True)


def ask(name):
    """Its own socket on 5353 and python-zeroconf's packet codec: every answer as it arrives, with its sender."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(('', const._MDNS_PORT))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, struct.pack('4s4s', socket.inet_aton(const._MDNS_ADDR), socket.inet_aton('0.0.0.0')))
    print(json.dumps({'event': 'ready', 'at': int(time.time() * 1000)}), flush=True)
    next_query = 0.0
    while True:
        now = time.time()
        if now >= next_query:
            out = DNSOutgoing(const._FLAGS_QR_QUERY)
            out.add_question(DNSQuestion(name, const._TYPE_A, const._CLASS_IN))
            for packet in out.packets():
                sock.sendto(packet, (const._MDNS_ADDR, const._MDNS_PORT))
            next_query = now + 0.2
        readable, _, _ = select.select([sock, sys.stdin], [], [], max(0.0, next_query - time.time()))
        if sys.stdin in readable and not sys.stdin.readline():
            return
        if sock not in readable:
            continue
        data, (sender, _port) = sock.recvfrom(9000)
        incoming = DNSIncoming(data)
        if not incoming.valid or not incoming.is_response():
            continue
        for record in incoming.answers:
            if isinstance(record, DNSAddress) and record.type == const._TYPE_A and record.name.lower() == name.lower():
                print(json.dumps({
                    'event': 'answer', 'from': sender, 'address': socket.inet_ntoa(record.address),
                    'ttl': record.ttl, 'at': int(time.time() * 1000),
                }), flush=True)


def watch():
    zc = Zeroconf()

    def on_change(zeroconf, service_type, name, state_change):
        print(json.dumps({'event': state_change.name, 'name': name, 'at': int(time.time() * 1000)}), flush=True)

    ServiceBrowser(zc, SERVICE_TYPE, handlers=[on_change])
    print(json.dumps({'event': 'ready', 'at': int(time.time() * 1000)}), flush=True)
    sys.stdin.read()
    zc.close()


if __name__ == '__main__':
    if sys.argv[1] == 'browse':
        browse(float(sys.argv[2]))
    elif sys.argv[1] == 'ask':
        ask(sys.argv[2])
    elif sys.argv[1] == 'resolve':
        print(json.dumps({'addresses': resolve_host(sys.argv[2])}), flush=True)
    else:
        watch()
