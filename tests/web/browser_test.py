#!/usr/bin/python3
"""The web client end to end, in real headless Chromium: two browser users and a plain-protocol
user (a socket speaking what nc would type) in one room of a live parley-server with a data
directory. Through the page's own controls (its DOM hooks: docs/protocol.md, "Browsers"), they
chat and each sees the others' messages, change nicknames (#me), join a second room (the room
list: by name, and by a click), talk privately (a click on a member, and /msg); markup and
script sent as messages show as text and run nothing; when the server is restarted on the same
port and data directory, the page reconnects by itself (#status closed, then open) and shows
the scrollback again, and a page loaded afresh shows it from the stored history.

Every wait is a WebDriverWait (or a socket read) with a deadline; nothing waits a fixed time.
The whole run has a budget (default 90 s); every process started (the server, chromedriver and
its Chromium) is stopped by its PID, also on failure, Ctrl-C or SIGTERM.

Usage: tests/web/browser_test.py [--binary PATH] [--budget S] [--keep]
Exits 0 when every check passed, 1 when one failed, 77 when Chromium, chromedriver or
python3-selenium is missing (scripts/test installs them: PARLEY_BROWSER_TEST_PACKAGES).
"""

import argparse
import os
import re
import select
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

try:
    from selenium.common.exceptions import TimeoutException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait
    import chromium
except ImportError as e:
    print(f"SKIPPED: {e} (apt-get install python3-selenium; scripts/test installs it)")
    sys.exit(77)

from parley_process import HOST, ParleyServer  # noqa: E402

PATIENCE = 10.0  # one check
RECONNECT_PATIENCE = 30.0  # the page's reconnection backs off (it says "Reconnecting in N s")
XSS_IMG = '<img src=x onerror="window.__pwned=1">'
XSS_SCRIPT = "<script>window.__pwned=1</script>"
XSS_MARKUP = "<b>bold?</b> & <a href=\"javascript:window.__pwned=1\">link</a>"


class Failure(Exception):
    pass


# The #log's entries in one round trip: kind, id, nick and text of each.
ENTRIES_JS = """
return Array.from(document.querySelectorAll('#log .entry')).map(e => ({
  kind: e.dataset.kind || '', id: e.dataset.id || '',
  nick: (e.querySelector('.nick') || {}).textContent || '',
  text: (e.querySelector('.text') || {}).textContent || '',
  time: (e.querySelector('time') || {}).textContent || '',
  datetime: e.querySelector('time') ? e.querySelector('time').getAttribute('datetime') : ''}));
"""


class Run:
    def __init__(self, opts):
        self.opts = opts
        self.started = time.monotonic()
        self.end = self.started + opts.budget
        self.checks = 0

    def left(self, timeout):
        left = min(timeout, self.end - time.monotonic())
        if left <= 0:
            raise Failure(f"out of time (budget {self.opts.budget:g} s)")
        return left

    def passed(self, what):
        self.checks += 1
        print(f"  ok  {time.monotonic() - self.started:5.1f} s  {what}", flush=True)

    def wait(self, user, condition, what, timeout=PATIENCE):
        """Waits until condition(driver) is true for `user`'s page."""
        try:
            result = WebDriverWait(user.driver, self.left(timeout), poll_frequency=0.05).until(
                condition)
        except TimeoutException:
            raise Failure(f"{user.name}: not within {timeout:g} s: {what}") from None
        self.passed(f"{user.name}: {what}")
        return result


class WebUser:
    """A person at the web client in one Chromium."""

    def __init__(self, run, name, url):
        self.run, self.name, self.url = run, name, url
        self.browser = chromium.Browser(name=name)
        self.driver = self.browser.driver
        self.driver.get(url)

    # reading the page
    def state(self):
        return self.driver.find_element(By.ID, "status").get_attribute("data-state")

    def me(self):
        return self.driver.find_element(By.ID, "me").text.strip()

    def entries(self):
        return self.driver.execute_script(ENTRIES_JS)

    def find(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def shown(self, css):
        found = self.find(css)
        return found[0] if found and found[0].is_displayed() else False

    # waiting on it
    def wait(self, condition, what, timeout=PATIENCE):
        return self.run.wait(self, condition, what, timeout)

    def wait_state(self, state, timeout=PATIENCE):
        self.wait(lambda d: self.state() == state, f"#status is {state}", timeout)

    def wait_sees(self, nick, text, kind="message", timeout=PATIENCE):
        def seen(_):
            return any(e["kind"] == kind and e["nick"] == nick and e["text"] == text
                       for e in self.entries())
        self.wait(seen, f"sees {kind} <{nick}> {text!r} in #log", timeout)

    def wait_member(self, nick):
        self.wait(lambda d: self.find(f'#members li[data-nick="{nick}"]'),
                  f"{nick} in #members")

    def wait_conversation(self, target, active=True):
        css = f'#conversations li[data-target="{target}"]' + (".active" if active else "")
        return self.wait(lambda d: self.find(css),
                         f"conversation {target}" + (" shown" if active else " listed"))[0]

    # acting on it
    def type(self, line):
        box = self.driver.find_element(By.ID, "input")
        box.send_keys(line + Keys.ENTER)

    def change_nick(self, nick):
        self.driver.find_element(By.ID, "me").click()
        box = self.wait(lambda d: self.shown("#nick-input"), "#nick-input opens on a click on #me")
        box.clear()
        box.send_keys(nick + Keys.ENTER)
        self.wait(lambda d: self.me() == nick, f"#me is {nick}")

    def join_from_room_list(self, room):
        self.driver.find_element(By.ID, "rooms-button").click()
        box = self.wait(lambda d: self.shown("#join-input"), "#room-list opens with #join-input")
        box.send_keys(room + Keys.ENTER)
        self.wait_conversation(room)

    def join_by_click(self, room):
        self.driver.find_element(By.ID, "rooms-button").click()
        entry = self.wait(lambda d: self.shown(f'#room-list li[data-room="{room}"]'),
                          f"#room-list lists {room}")
        entry.click()
        self.wait_conversation(room)

    def show(self, target):
        self.driver.find_element(By.CSS_SELECTOR,
                                 f'#conversations li[data-target="{target}"]').click()
        self.wait_conversation(target)

    def report(self):
        print(f"--- {self.name}: #status {self.safe(self.state)}, #me {self.safe(self.me)}")
        for e in (self.safe(self.entries) or [])[-15:]:
            print(f"    {e}" if isinstance(e, dict) else f"    {e!r}")
        for line in self.browser.console()[-15:]:
            print(f"    console: {line}")

    @staticmethod
    def safe(fn):
        try:
            return fn()
        except Exception as e:
            return f"({type(e).__name__})"

    def quit(self):
        self.browser.quit()


class PlainUser:
    """What nc would type and read, on the plain listener."""

    def __init__(self, run, port):
        self.run = run
        self.name = "nc"
        self.sock = socket.create_connection((HOST, port), timeout=5)
        self.buffer = b""
        self.lines = []
        self.nick = self.expect(r"^--- Your nickname is (\S+)\.", quiet=True).group(1)

    def type(self, line):
        self.sock.sendall(line.encode() + b"\n")

    def expect(self, pattern, timeout=PATIENCE, quiet=False):
        rx = re.compile(pattern)
        end = time.monotonic() + self.run.left(timeout)
        while True:
            while b"\n" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\n", 1)
                line = raw.decode(errors="replace").rstrip("\r")
                self.lines.append(line)
                m = rx.search(line)
                if m:
                    if not quiet:
                        self.run.passed(f"nc: sees {line!r}")
                    return m
            left = end - time.monotonic()
            if left <= 0:
                raise Failure(f"nc: no line matching {pattern!r} within {timeout:g} s; "
                              f"last lines {self.lines[-5:]}")
            ready, _, _ = select.select([self.sock], [], [], left)
            if ready:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise Failure(f"nc: connection closed waiting for {pattern!r}")
                self.buffer += chunk

    def report(self):
        print(f"--- nc: last lines {self.lines[-10:]}")

    def quit(self):
        self.sock.close()


def scenario(run, server, users):
    url = f"http://{HOST}:{server.http_port}/"
    alice = WebUser(run, "alice", url)
    users.append(alice)
    bob = WebUser(run, "bob", url)
    users.append(bob)
    for u in (alice, bob):
        u.wait_state("open")
        u.wait(lambda d, u=u: re.fullmatch(r"guest\d+", u.me()), "#me shows a guest nickname")
        u.wait_conversation("#lobby")
    carol = PlainUser(run, server.plain_port)
    users.append(carol)

    # Nicknames: the browsers through #me, the plain user with /nick.
    alice.change_nick("alice")
    bob.change_nick("bob")
    carol.type("/nick carol")
    carol.expect(r"^-!- \S+ is now known as carol$")
    for u in (alice, bob):
        for nick in ("alice", "bob", "carol"):
            u.wait_member(nick)

    # Each one's message reaches the two others (and a browser's own comes back to it).
    alice.type("hello from alice")
    alice.wait_sees("alice", "hello from alice")
    bob.wait_sees("alice", "hello from alice")
    stamped = [e for e in bob.entries() if e["text"] == "hello from alice"][0]
    sent_at = time.strftime("%Y-%m-%dT", time.gmtime())
    if not (re.fullmatch(r"\d\d:\d\d", stamped["time"])
            and stamped["datetime"].startswith(sent_at)):
        raise Failure(f"bob: the message's time shows as {stamped['time']!r} "
                      f"({stamped['datetime']!r}), not HH:MM of today's UTC date")
    run.passed("bob: the message shows its time (HH:MM) from the event's epoch milliseconds")
    carol.expect(r"^#lobby <alice> hello from alice$")
    bob.type("hi alice, bob here ☕")
    alice.wait_sees("bob", "hi alice, bob here ☕")
    carol.expect(r"^#lobby <bob> hi alice, bob here ☕$")
    carol.type("carol on a terminal")
    alice.wait_sees("carol", "carol on a terminal")
    bob.wait_sees("carol", "carol on a terminal")
    alice.type("/me waves")
    bob.wait_sees("alice", "waves", kind="action")
    carol.expect(r"^#lobby \* alice waves$")

    # Markup and script as messages: text, never HTML; nothing runs.
    alice.type(XSS_IMG)
    alice.type(XSS_SCRIPT)
    carol.type(XSS_MARKUP)
    for u in (alice, bob):
        u.wait_sees("alice", XSS_IMG)
        u.wait_sees("alice", XSS_SCRIPT)
        u.wait_sees("carol", XSS_MARKUP)
        u.wait(lambda d: not u.find("#log img, #log script, #log b, #log a[href^=javascript]"),
               "no element made of a message's text in #log")
        u.wait(lambda d: d.execute_script("return typeof window.__pwned") == "undefined",
               "window.__pwned is undefined: nothing ran")
    carol.expect(r"^#lobby <alice> <script>window.__pwned=1</script>$")

    # A second room, through the room list: alice types its name, bob clicks it there.
    alice.join_from_room_list("#rust")
    bob.join_by_click("#rust")
    alice.wait_member("bob")
    alice.type("/topic borrow checking")
    for u in (alice, bob):
        u.wait(lambda d: "borrow checking" in d.find_element(By.ID, "topic").text,
               "#topic of #rust is 'borrow checking'")
    alice.type("rust is fun")
    bob.wait_sees("alice", "rust is fun")
    bob.wait(lambda d: not any(e["text"] == "hello from alice" for e in bob.entries()),
             "#log shows #rust only, not #lobby's messages")

    # Private messages: alice clicks bob in #members; bob answers with /msg; carol and bob
    # reach each other from their sides.
    alice.driver.find_element(By.CSS_SELECTOR, '#members li[data-nick="bob"]').click()
    alice.wait_conversation("bob")
    alice.type("psst bob")
    alice.wait_sees("alice", "psst bob")
    bob.wait_conversation("alice", active=False)
    bob.show("alice")
    bob.wait_sees("alice", "psst bob")
    bob.type("/msg alice right back at you")
    alice.wait_sees("bob", "right back at you")
    bob.type("/msg carol hi carol")
    carol.expect(r"^\*bob\* hi carol$")
    carol.type("/msg bob hi bob, from the terminal")
    bob.wait_conversation("carol", active=False)
    bob.show("carol")
    bob.wait_sees("carol", "hi bob, from the terminal")

    # The server restarts on the same port and data directory: the page sees the connection
    # go, reconnects by itself, and shows #lobby's scrollback again.
    for u in (alice, bob):
        u.show("#lobby")
        u.wait_sees("alice", "hello from alice")
    before = [e for e in alice.entries() if e["id"]]
    carol.quit()
    users.remove(carol)
    rc = server.stop()
    if rc != 0:
        raise Failure(f"parley-server exited with status {rc} on SIGTERM")
    run.passed(f"server stopped (SIGTERM, pid {server.popen.pid}, exit status 0)")
    for u in (alice, bob):
        u.wait_state("closed")
    server.start()
    run.passed(f"server started again on port {server.http_port} (pid {server.popen.pid})")
    alice.wait_state("open", RECONNECT_PATIENCE)
    alice.wait_conversation("#lobby")
    for nick, text in (("alice", "hello from alice"), ("bob", "hi alice, bob here ☕"),
                       ("carol", "carol on a terminal"), ("alice", XSS_SCRIPT)):
        alice.wait_sees(nick, text)

    def no_duplicates(_):
        ids = [e["id"] for e in alice.entries() if e["id"]]
        return len(ids) == len(set(ids)) and len(ids) >= len(before)
    alice.wait(no_duplicates, "each scrollback message once in #log after reconnecting")
    # A page loaded afresh has nothing but what the server stored.
    bob.driver.refresh()
    bob.wait_state("open", RECONNECT_PATIENCE)
    for nick, text in (("alice", "hello from alice"), ("carol", "carol on a terminal"),
                       ("carol", XSS_MARKUP)):
        bob.wait_sees(nick, text)
    for u in (alice, bob):
        u.wait(lambda d: d.execute_script("return typeof window.__pwned") == "undefined",
               "window.__pwned still undefined after the scrollback")
    alice.type("back again")
    bob.wait_sees(alice.me(), "back again")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=None)
    parser.add_argument("--budget", type=float, default=90)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    opts = parser.parse_args()
    missing = [p for p in (chromium.CHROMIUM, chromium.CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        print(f"SKIPPED: missing {', '.join(missing)} (apt-get install chromium chromium-driver; "
              "scripts/test installs them)")
        return 77

    def interrupted(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)

    run = Run(opts)
    work = Path(tempfile.mkdtemp(prefix="parley-browser-"))
    server = ParleyServer(opts.binary, data_dir=work / "data", plain=True, log_dir=work)
    users = []
    ok = False
    try:
        (work / "data").mkdir()
        server.start()
        run.passed(f"server on port {server.http_port} (pid {server.popen.pid})")
        scenario(run, server, users)
        ok = True
    except (Failure, WebDriverException, OSError) as e:
        print(f"FAILED: {type(e).__name__}: {e}")
    except KeyboardInterrupt:
        print("interrupted")
    finally:
        if not ok:
            for u in users:
                u.report()
            print(f"--- server log ({server.log_path}):")
            for line in server.log_text().splitlines()[-20:]:
                print(f"    | {line}")
        for u in reversed(users):
            u.quit()
        rc = server.stop()
        if ok and rc != 0:
            ok = False
            print(f"FAILED: parley-server exited with status {rc} on SIGTERM")
            for line in server.log_text().splitlines()[-40:]:
                print(f"    | {line}")
        if opts.keep:
            print(f"== files kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    took = time.monotonic() - run.started
    print(f"== browser: {'all ' + str(run.checks) + ' checks passed' if ok else 'FAILED'} "
          f"({took:.1f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
