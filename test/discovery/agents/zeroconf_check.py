#!/usr/bin/python3
"""
An independent look at the relays' advertisements, with python-zeroconf (not bonjour-service).

  zeroconf_check.py browse SECONDS  browse _lf-relay._tcp for SECONDS, resolve every instance (SRV,
                                    TXT, addresses), resolve each SRV target's .local name with a
                                    plain mDNS A query on a fresh cache, print one JSON object
  zeroconf_check.py resolve NAME    print the addresses every host answering a plain mDNS A query for NAME gives
  zeroconf_check.py watch           print a JSON line for every instance added, updated or removed,
                                    until stdin closes
"""
import json
import socket
import sys
import time

from zeroconf import DNSOutgoing, DNSQuestion, ServiceBrowser, Zeroconf, const

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
    elif sys.argv[1] == 'resolve':
        print(json.dumps({'addresses': resolve_host(sys.argv[2])}), flush=True)
    else:
        watch()
