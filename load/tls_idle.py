#!/usr/bin/python3
"""Memory per idle IRC connection, plain TCP and TLS, on one Parley server.

Starts parley-server with an IRC listener and an IRC TLS listener, opens N registered IRC
clients on each in turn (in one channel per 100), and reads the server's RSS before and after
each batch: (RSS after - RSS before) / N. Repeats R times on fresh servers; prints each figure.
Usage: tls_idle.py SERVER_BIN N R [1.2]   (1.2: the TLS clients stop at TLS 1.2)
"""
import os, re, socket, ssl, subprocess, sys, tempfile, time

bin_, n, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
tls12 = len(sys.argv) > 4 and sys.argv[4] == "1.2"
tmp = tempfile.mkdtemp()
key, cert = os.path.join(tmp, "k.pem"), os.path.join(tmp, "c.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
               check=True, capture_output=True)

def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1)) * 1024

def wait_for(cond, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.02)
    raise SystemExit(f"timed out: {what}")

def run_once():
    log = open(os.path.join(tmp, "server.log"), "w+")
    p = subprocess.Popen(["taskset", "-c", "0", bin_, "--data-dir", "none", "--listen", "none", "--irc-listen", "127.0.0.1:0",
                          "--irc-listen", "tls://127.0.0.1:0", "--tls-cert", cert, "--tls-key", key,
                          "--max-clients", "0", "--max-per-address", "0", "--rate", "0", "--burst", "0",
                          "--log-level", "warn", "--ping-interval", "0"], stderr=log)
    time.sleep(0.2)
    # --log-level warn hides the listening lines: find the ports from /proc.
    def ports():
        out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True).stdout
        ps = sorted(int(m.group(1)) for m in re.finditer(r"127\.0\.0\.1:(\d+).*pid=%d," % p.pid, out))
        return ps if len(ps) == 2 else None
    plain_port, tls_port = wait_for(ports, "listeners")
    # Which one is TLS: try a handshake on the first.
    ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
    if tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    try:
        s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", plain_port), timeout=2)); s.close()
        plain_port, tls_port = tls_port, plain_port
    except Exception:
        pass
    result = {}
    held = []
    for kind, port in (("irc", plain_port), ("irc+tls", tls_port)):
        time.sleep(0.3)
        before = rss(p.pid)
        socks = []
        for i in range(n):
            s = socket.create_connection(("127.0.0.1", port))
            if kind == "irc+tls":
                s = ctx.wrap_socket(s)
            nick = f"{kind[:3]}{'t' if 'tls' in kind else 'p'}{i}"
            s.sendall(f"NICK {nick}\r\nUSER u 0 * :idle\r\nJOIN #r{i // 100}\r\n".encode())
            socks.append(s)
        # Each client reads until its JOIN's end of NAMES: it is registered and in its room.
        for s in socks:
            buf = b""
            s.settimeout(30)
            while b" 366 " not in buf:
                d = s.recv(65536)
                if not d:
                    raise SystemExit("closed")
                buf += d
        time.sleep(0.5)
        result[kind] = (rss(p.pid) - before) / n
        held.append(socks)
    p.terminate(); p.wait()
    for socks in held:
        for s in socks:
            s.close()
    return result

for r in range(repeats):
    res = run_once()
    print(" ".join(f"{k}: {v / 1024:.2f} KiB/conn" for k, v in res.items()), flush=True)
