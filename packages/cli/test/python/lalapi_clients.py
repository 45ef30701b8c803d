#!/usr/bin/env python3
"""pyzmq clients as lala-pi-era programs wrote them, for the device tests: nothing roomguard-specific.

    lalapi_clients.py rep ENDPOINT                  answers "pong <request>" until killed
    lalapi_clients.py req ENDPOINT N [SERVER_KEY CLIENT_SECRET]   N requests, prints each reply
    lalapi_clients.py pub ENDPOINT MESSAGE...      publishes the messages, numbered, every 20 ms until killed
    lalapi_clients.py sub ENDPOINT PREFIX N        prints N messages starting with PREFIX
    lalapi_clients.py push ENDPOINT N              sends "job <i>" N times, then waits to be killed
    lalapi_clients.py pull ENDPOINT N              prints N messages

With SERVER_KEY (a public certificate file) and CLIENT_SECRET (a secret one), `req` is a CURVE
client, the keys read with zmq.auth.load_certificate; $REQ_INTERVAL_S spaces the requests. A client that hears nothing within 3 s
prints "no reply" or "nothing" and exits 2.
"""
import os
import sys
import time

import zmq
import zmq.auth

TIMEOUT_MS = 3000


def rep(ctx, endpoint):
    sock = ctx.socket(zmq.REP)
    sock.connect(endpoint)
    while True:
        request = sock.recv()
        sock.send(b"pong " + request)


def req(ctx, endpoint, count, server_key=None, client_secret=None):
    sock = ctx.socket(zmq.REQ)
    sock.linger = 0
    if server_key:
        sock.curve_serverkey, _ = zmq.auth.load_certificate(server_key)
        sock.curve_publickey, sock.curve_secretkey = zmq.auth.load_certificate(client_secret)
    sock.connect(endpoint)
    for i in range(int(count)):
        sock.send(b"ping %d" % i)
        if not sock.poll(TIMEOUT_MS):
            print("no reply", flush=True)
            return 2
        print(sock.recv().decode(), flush=True)
        time.sleep(float(os.environ.get("REQ_INTERVAL_S", "0")))
    return 0


def pub(ctx, endpoint, *messages):
    sock = ctx.socket(zmq.PUB)
    sock.connect(endpoint)
    n = 0
    while True:
        for message in messages:
            sock.send(b"%s %d" % (message.encode(), n))
        n += 1
        time.sleep(0.02)


def sub(ctx, endpoint, prefix, count):
    sock = ctx.socket(zmq.SUB)
    sock.setsockopt(zmq.SUBSCRIBE, prefix.encode())
    sock.connect(endpoint)
    return receive(sock, int(count))


def push(ctx, endpoint, count):
    sock = ctx.socket(zmq.PUSH)
    sock.connect(endpoint)
    for i in range(int(count)):
        sock.send(b"job %d" % i)
    # Stays connected: a bound socket drops what it has not read yet from a peer that leaves.
    while True:
        time.sleep(1)


def pull(ctx, endpoint, count):
    sock = ctx.socket(zmq.PULL)
    sock.connect(endpoint)
    return receive(sock, int(count))


def receive(sock, count):
    sock.linger = 0
    for _ in range(count):
        if not sock.poll(TIMEOUT_MS):
            print("nothing", flush=True)
            return 2
        print(sock.recv().decode(), flush=True)
    return 0


if __name__ == "__main__":
    role, *args = sys.argv[1:]
    sys.exit({"rep": rep, "req": req, "pub": pub, "sub": sub, "push": push, "pull": pull}[role](zmq.Context(), *args))
