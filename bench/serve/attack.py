#!/usr/bin/env python3
"""Measures `llmforge serve` under two attacks: the server's RSS and /health latency.

  chunked: N clients (default 1) each POST a chunked body of MB megabytes to /v1/completions
           (the body limit is 1 MiB: a bounded server refuses each after ~1 MiB).
  slow:    N clients each send request headers one byte every 2 s (slowloris).

Usage: bench/serve/attack.py LLMFORGE_BINARY MODEL_DIR [--threads 4] [--clients 6]
Prints one table row per attack: peak RSS, /health answered / tried and the worst
/health latency while the attack runs. Loopback only; everything ends within ~40 s.
"""
import argparse
import socket
import subprocess
import threading
import time


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def health(port, timeout):
    """Seconds /health took from another loopback address, or None when unanswered."""
    t = time.time()
    try:
        s = socket.socket()
        s.bind(("127.0.0.2", 0))
        s.settimeout(timeout)
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = s.recv(4096)
        s.close()
        return time.time() - t if data.startswith(b"HTTP/1.1 200") else None
    except OSError:
        return None


def chunked_client(port, megabytes, stop):
    try:
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")
        # A valid request whose prompt is the whole body: the server that reads it
        # all also tokenizes it.
        def send_chunk(data):
            s.sendall(b"%x\r\n" % len(data) + data + b"\r\n")
        send_chunk(b'{"prompt":"')
        piece = b"the cat " * 8192
        for _ in range(megabytes * 16):
            if stop.is_set():
                break
            send_chunk(piece)
        send_chunk(b'","max_tokens":1}')
        s.sendall(b"0\r\n\r\n")
        s.settimeout(30)
        s.recv(4096)
        s.close()
    except OSError:
        pass  # refused mid-body: what a bounded server does


def slow_client(port, stop):
    try:
        s = socket.create_connection(("127.0.0.1", port))
        for b in b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
            if stop.is_set():
                break
            s.sendall(bytes([b]))
            stop.wait(2.0)
        s.close()
    except OSError:
        pass


def run(binary, model, threads, attack, clients, megabytes, seconds):
    port = 18000 + int(time.time()) % 1000
    srv = subprocess.Popen([binary, "serve", "--model", model, "--port", str(port),
                            "--http-threads", str(threads)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if health(port, 1) is not None:
                break
            time.sleep(0.1)
        base = rss_mb(srv.pid)
        stop = threading.Event()
        target = (lambda: chunked_client(port, megabytes, stop)) if attack == "chunked" else \
                 (lambda: slow_client(port, stop))
        workers = [threading.Thread(target=target, daemon=True) for _ in range(clients)]
        for w in workers:
            w.start()
        peak = [base]

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], rss_mb(srv.pid))
                time.sleep(0.02)
        threading.Thread(target=sample, daemon=True).start()
        lat, answered, tried = [], 0, 0
        end = time.time() + seconds
        while time.time() < end:
            tried += 1
            t = health(port, 3)
            if t is not None:
                answered += 1
                lat.append(t)
            time.sleep(0.5)
        stop.set()
        peak = peak[0]
        worst = f"{max(lat) * 1000:.1f} ms" if lat else "-"
        print(f"| {attack} | {clients} | {threads} | {base:.0f} MB | {peak:.0f} MB | "
              f"{answered}/{tried} | {worst} |")
    finally:
        srv.terminate()
        srv.wait(timeout=30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--clients", type=int, default=6, help="slow clients")
    ap.add_argument("--chunked-clients", type=int, default=1)
    ap.add_argument("--megabytes", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=15)
    a = ap.parse_args()
    print("| attack | clients | --http-threads | RSS before | peak RSS | /health answered | worst /health |")
    print("|---|---|---|---|---|---|---|")
    run(a.binary, a.model, a.threads, "chunked", a.chunked_clients, a.megabytes, a.seconds)
    run(a.binary, a.model, a.threads, "slow", a.clients, a.megabytes, a.seconds)


if __name__ == "__main__":
    main()
