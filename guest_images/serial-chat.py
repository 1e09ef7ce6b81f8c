#!/usr/bin/env python3
"""Talk to a guest's COM1 over TCP while an emulator runs it.

    serial-chat.py [options] STEP... -- COMMAND [ARG...]

The script listens on 127.0.0.1 at a free port, exports the port as
PXHV_SERIAL_PORT and replaces "{port}" in COMMAND's arguments, then starts
COMMAND, which must connect its COM1 to that port as a TCP client:

    Bochs:  com1: enabled=1, mode=socket-client, dev=127.0.0.1:$PXHV_SERIAL_PORT
            (bochs-run.sh writes this line when PXHV_SERIAL_PORT is set)
    QEMU:   -serial tcp:127.0.0.1:{port}

Steps run in order:
    -e REGEX / --expect REGEX   wait until the output read so far (after the
                                previous match) matches REGEX
    -s TEXT  / --send TEXT      send TEXT; backslash escapes are decoded,
                                so "uname -r\\r" ends the line with CR
    -w SECS  / --wait SECS      let SECS pass, still reading
Options:
    -t SECS / --timeout SECS    overall limit (default 120)
    -l FILE / --log FILE        write everything received to FILE
    --char-delay SECS           pause between sent bytes (default 0.01)
    --keep                      after the last step, wait for COMMAND to end
                                by itself (within the limit) instead of
                                killing it

Prints "[  12.3s, cpu   11.9s] matched: ..." on stderr for each step: the
wall time since the start and the CPU time the emulator has used so far
(on a loaded machine the second is the one to compare).  Exits 0 when every step succeeded, 1 otherwise; the
emulator's process group is always killed (SIGKILL) before returning.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import time


def parse(argv):
    opts = {"timeout": 120.0, "log": None, "char_delay": 0.01, "keep": False}
    steps = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            return opts, steps, argv[i + 1:]
        val = argv[i + 1] if i + 1 < len(argv) else None
        if a in ("-e", "--expect"):
            steps.append(("expect", val))
        elif a in ("-s", "--send"):
            steps.append(("send", val))
        elif a in ("-w", "--wait"):
            steps.append(("wait", float(val)))
        elif a in ("-t", "--timeout"):
            opts["timeout"] = float(val)
        elif a in ("-l", "--log"):
            opts["log"] = val
        elif a == "--char-delay":
            opts["char_delay"] = float(val)
        elif a == "--keep":
            opts["keep"] = True
            i += 1
            continue
        else:
            sys.exit("serial-chat.py: unknown argument %r (see --help)" % a)
        if val is None:
            sys.exit("serial-chat.py: %s needs a value" % a)
        i += 2
    sys.exit("serial-chat.py: missing '-- COMMAND'")


def session_pids(sid):
    """(pid, stat fields after the command name) of session `sid`."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[3]) == sid:       # stat field 6: session id
                out.append((int(pid), fields))
        except (OSError, IndexError, ValueError):
            pass
    return out


def session_cpu(sid):
    """CPU seconds used so far by the live processes of session `sid`
    (utime + stime, stat fields 14 and 15): the emulator's share of a
    loaded machine, which wall time alone does not tell."""
    tick = os.sysconf("SC_CLK_TCK")
    return sum(int(f[11]) + int(f[12]) for _, f in session_pids(sid)) / tick


def kill_session(sid):
    """SIGKILL every process of session `sid` (the emulator and helpers
    such as timeout(1), which moves itself into a process group of its own)."""
    for pid, _ in session_pids(sid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0
    opts, steps, cmd = parse(sys.argv[1:])
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    port = lsock.getsockname()[1]
    env = dict(os.environ, PXHV_SERIAL_PORT=str(port))
    cmd = [c.replace("{port}", str(port)) for c in cmd]
    start = time.monotonic()
    deadline = start + opts["timeout"]
    child = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                             start_new_session=True)
    log = open(opts["log"], "wb") if opts["log"] else None
    buf = b""      # everything received
    pos = 0        # where the next expect starts looking
    ok = True
    conn = None

    last_cpu = [0.0]

    def stamp(msg):
        # Once the emulator has ended its CPU time is gone: keep the last.
        last_cpu[0] = max(last_cpu[0], session_cpu(child.pid))
        sys.stderr.write("[%7.1fs, cpu %6.1fs] %s\n" % (
            time.monotonic() - start, last_cpu[0], msg))
        sys.stderr.flush()

    def pump(until):
        """Read from the guest until time `until`; False if it went away."""
        nonlocal buf
        while True:
            left = until - time.monotonic()
            if left <= 0:
                return True
            conn.settimeout(min(left, 0.2))
            try:
                data = conn.recv(4096)
            except socket.timeout:
                if child.poll() is not None:
                    return False
                continue
            if not data:
                return False
            buf += data
            if log:
                log.write(data)
                log.flush()
            return True

    try:
        lsock.settimeout(1.0)
        while conn is None:
            try:
                conn, _ = lsock.accept()
            except socket.timeout:
                if child.poll() is not None or time.monotonic() > deadline:
                    stamp("emulator never connected to port %d" % port)
                    return 1
        for kind, arg in steps:
            if kind == "expect":
                rx = re.compile(arg.encode())
                while True:
                    m = rx.search(buf, pos)
                    if m:
                        pos = m.end()
                        stamp("matched: %r" % arg)
                        break
                    if time.monotonic() >= deadline:
                        stamp("TIMEOUT waiting for %r" % arg)
                        ok = False
                        break
                    if not pump(deadline):
                        stamp("emulator ended while waiting for %r" % arg)
                        ok = False
                        break
                if not ok:
                    break
            elif kind == "send":
                data = arg.encode().decode("unicode_escape").encode("latin-1")
                stamp("send: %r" % arg)
                for b in data:
                    conn.sendall(bytes([b]))
                    pump(time.monotonic() + opts["char_delay"])
            elif kind == "wait":
                end = min(time.monotonic() + arg, deadline)
                while time.monotonic() < end and pump(end):
                    pass
        if ok and opts["keep"]:
            # Read until the emulator closes the connection (it ended).
            while time.monotonic() < deadline and pump(deadline):
                pass
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
            stamp("emulator ended")
    except subprocess.TimeoutExpired:
        stamp("TIMEOUT waiting for the emulator to end")
        ok = False
    finally:
        kill_session(child.pid)
        child.wait()
        if conn:
            conn.close()
        lsock.close()
        if log:
            log.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
