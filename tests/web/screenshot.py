#!/usr/bin/python3
"""Takes the screenshot of the web client shown in the README (docs/web-client.png): a real
parley-server with a few people chatting in #lobby under a topic, seen by one of them in
headless Chromium (the browser test's setup, chromium.py) at 1200x750, member list and
conversations in view. The others are plain-protocol users, as nc users would be. Every step
waits for what it needs with a deadline; every process is stopped by its PID.

Usage: tests/web/screenshot.py [--binary PATH] [--out FILE]   (scripts/web-screenshot runs it)
"""

import argparse
import re
import select
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

import chromium  # noqa: E402
from parley_process import HOST, ROOT, ParleyServer  # noqa: E402

PATIENCE = 10.0
WIDTH, HEIGHT = 1200, 750
ENTRY_TEXTS_JS = ("return Array.from(document.querySelectorAll('#log .entry .text'))"
                  ".map(e => e.textContent)")


class Plain:
    """A plain-protocol user (what nc would type)."""

    def __init__(self, port, nick):
        self.sock = socket.create_connection((HOST, port), timeout=5)
        self.buffer = b""
        self.expect(r"^--- Members of #lobby")
        self.type(f"/nick {nick}")
        self.expect(rf"is now known as {re.escape(nick)}$")

    def type(self, line):
        self.sock.sendall(line.encode() + b"\n")

    def expect(self, pattern):
        rx = re.compile(pattern)
        end = time.monotonic() + PATIENCE
        while True:
            while b"\n" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\n", 1)
                if rx.search(raw.decode(errors="replace").rstrip("\r")):
                    return
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                raise SystemExit(f"no line matching {pattern!r}")
            chunk = self.sock.recv(65536)
            if not chunk:
                raise SystemExit("a plain user's connection closed")
            self.buffer += chunk


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=None)
    parser.add_argument("--out", default=str(ROOT / "docs" / "web-client.png"))
    opts = parser.parse_args()

    server = ParleyServer(opts.binary, plain=True)
    browser = None
    try:
        server.start()
        bob = Plain(server.plain_port, "bob")
        carol = Plain(server.plain_port, "carol")
        dave = Plain(server.plain_port, "dave")
        # Each line is seen by another user before the next is said: the conversation in the
        # order it reads, not in the order three sockets happen to be read.
        def say(who, line, seen_by, ending=None):
            who.type(line)
            seen_by.expect(re.escape(ending or line) + "$")

        say(bob, "/topic Welcome! nc, IRC and browsers share these rooms; be kind", carol,
            "be kind")
        say(bob, "morning all", carol)
        say(carol, "morning! is the web client in?", bob)
        say(bob, "it is: open the server's address in a browser and you are in #lobby", carol)
        say(dave, "/me waves from a terminal", bob, "waves from a terminal")
        say(carol, "so nc, IRC and browsers all chat in the same room?", bob)
        say(bob, "same rooms, same nicknames, same history", carol)

        browser = chromium.Browser(WIDTH, HEIGHT, name="alice")
        d = browser.driver
        d.get(f"http://{HOST}:{server.http_port}/")

        def wait(condition, what):
            try:
                return WebDriverWait(d, PATIENCE, poll_frequency=0.05).until(condition)
            except TimeoutException:
                raise SystemExit(f"the page: not within {PATIENCE:g} s: {what}") from None

        def sees(text):
            wait(lambda _: text in d.execute_script(ENTRY_TEXTS_JS), f"{text!r} in #log")

        wait(lambda _: d.find_element(By.ID, "status").get_attribute("data-state") == "open",
             "#status open")
        sees("same rooms, same nicknames, same history")
        d.find_element(By.ID, "me").click()
        box = wait(lambda _: d.find_element(By.ID, "nick-input"), "#nick-input")
        box.clear()
        box.send_keys("alice" + Keys.ENTER)
        wait(lambda _: d.find_element(By.ID, "me").text.strip() == "alice", "#me is alice")
        d.find_element(By.ID, "input").send_keys("/join #dev" + Keys.ENTER)
        wait(lambda _: d.find_elements(By.CSS_SELECTOR, '#conversations li[data-target="#dev"]'),
             "#dev joined")
        d.find_element(By.CSS_SELECTOR, '#conversations li[data-target="#lobby"]').click()
        wait(lambda _: d.find_elements(By.CSS_SELECTOR,
                                       '#conversations li[data-target="#lobby"].active'),
             "#lobby shown")
        d.find_element(By.ID, "input").send_keys(
            "hello from Chromium, the scrollback came along" + Keys.ENTER)
        bob.expect(r"^#lobby <alice> hello from Chromium")
        bob.type("welcome alice! /help lists the commands")
        sees("welcome alice! /help lists the commands")
        carol.type("the member list on the right is live, too")
        sees("the member list on the right is live, too")
        bob.type("/msg alice lunch at one?")
        wait(lambda _: d.find_elements(By.CSS_SELECTOR, '#conversations li[data-target="bob"]'),
             "a private conversation with bob listed")
        for nick in ("alice", "bob", "carol", "dave"):
            wait(lambda _: d.find_elements(By.CSS_SELECTOR, f'#members li[data-nick="{nick}"]'),
                 f"{nick} in #members")
        # Nothing focused, no caret: the same picture every time.
        d.execute_script("document.activeElement && document.activeElement.blur()")
        if not d.save_screenshot(opts.out):
            raise SystemExit(f"could not write {opts.out}")
        print(f"wrote {opts.out} ({WIDTH}x{HEIGHT})")
    finally:
        if browser:
            browser.quit()
        server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
