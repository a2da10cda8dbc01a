#!/usr/bin/python3
"""
A host's mDNS reverse-lookup responder, as Avahi and macOS run one, built on python-zeroconf's
packet classes (not on the relay's bonjour-service stack).

  reverse_ptr.py answer ADDRESS HOSTNAME   answer PTR questions for ADDRESS's reverse name with
                                           HOSTNAME.local. (TTL 120), multicast as RFC 6762 says
  reverse_ptr.py listen ADDRESS...         answer nothing: only report the questions (a silent host)

Prints {"ev":"ready"} once listening, then {"ev":"question","name":...} for every PTR question
about one of the addresses, one JSON object per line, until killed.
"""
import ipaddress
import json
import socket
import struct
import sys
import time

from zeroconf import DNSIncoming, DNSOutgoing, DNSPointer, const

GROUP = '224.0.0.251'
PORT = 5353


def report(event):
    print(json.dumps({**event, 'at': int(time.time() * 1000)}), flush=True)


def main():
    mode, *args = sys.argv[1:]
    addresses = args if mode == 'listen' else args[:1]
    reverse = {ipaddress.ip_address(a).reverse_pointer.lower() + '.': a for a in addresses}
    target = f'{args[1]}.local.' if mode == 'answer' else None

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(('', PORT))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, struct.pack('4s4s', socket.inet_aton(GROUP), socket.inet_aton('0.0.0.0')))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
    report({'ev': 'ready'})
    while True:
        data, sender = sock.recvfrom(9000)
        incoming = DNSIncoming(data)
        if not incoming.is_query():
            continue
        for question in incoming.questions:
            name = question.name.lower()
            if question.type != const._TYPE_PTR or name not in reverse:
                continue
            report({'ev': 'question', 'name': name, 'from': sender[0]})
            if target is None:
                continue
            out = DNSOutgoing(const._FLAGS_QR_RESPONSE | const._FLAGS_AA)
            out.add_answer_at_time(DNSPointer(question.name, const._TYPE_PTR, const._CLASS_IN | const._CLASS_UNIQUE, 120, target), 0)
            for packet in out.packets():
                sock.sendto(packet, (GROUP, PORT))


if __name__ == '__main__':
    main()
