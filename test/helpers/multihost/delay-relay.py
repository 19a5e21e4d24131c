#!/usr/bin/python3
"""delay-relay: a fixed delay on what a network namespace sends, for
kernels without tc netem (CONFIG_NET_SCH_NETEM unset).

    /usr/bin/python3 delay-relay.py TUN MS MARK

Run inside the namespace. It creates the TUN device TUN (IFF_TUN,
IFF_NO_PI: one IP packet per read) and prints "ready". The caller then
routes the namespace's networks through TUN for every packet not carrying
fwmark MARK (network.ts: an `ip rule` and a table of its own). Each IPv4
packet read from TUN is held MS milliseconds and sent again, unchanged,
through a raw socket (IPPROTO_RAW: the packet's own header is used)
whose SO_MARK is MARK, so the kernel routes it by the main table, out of
the real interface. Packets leave in the order they came (one fixed
delay), as netem's `delay MS` without jitter would.

Limits: IPv4 only (anything else read from TUN is dropped); one process,
so under heavy traffic it adds its own scheduling time to MS; packets the
namespace receives are not delayed (netem on the egress qdisc neither).

It exits on SIGTERM, or when its standard input closes (the process that
started it is gone), and the kernel removes TUN with it.
"""
import collections
import fcntl
import os
import select
import signal
import socket
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def open_tun(name):
    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI))
    os.set_blocking(fd, False)
    return fd


def main():
    name, ms, mark = sys.argv[1], float(sys.argv[2]), int(sys.argv[3], 0)
    delay = ms / 1000.0
    tun = open_tun(name)
    out = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    out.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, mark)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    held = collections.deque()
    stdin = sys.stdin.fileno()
    print('ready', flush=True)
    while True:
        timeout = None
        if held:
            timeout = max(0.0, held[0][0] - time.monotonic())
        readable, _, _ = select.select([tun, stdin], [], [], timeout)
        if stdin in readable and not os.read(stdin, 4096):
            return
        if tun in readable:
            # Drain what is queued now, each stamped with its own due time.
            while True:
                try:
                    packet = os.read(tun, 65535)
                except BlockingIOError:
                    break
                if len(packet) >= 20 and packet[0] >> 4 == 4:
                    held.append((time.monotonic() + delay, packet))
        now = time.monotonic()
        while held and held[0][0] <= now:
            packet = held.popleft()[1]
            try:
                out.sendto(packet, (socket.inet_ntoa(packet[16:20]), 0))
            except OSError:
                pass  # unreachable now (a cut host): a lost packet, as on a wire


if __name__ == '__main__':
    main()
