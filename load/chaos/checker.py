"""The chaos client's delivery check: every healthy client must get every message of its room
once and in order. Pure (no sockets), so tests/load/chaos_checker_test.py can feed it lost,
duplicated and reordered messages and see each counted.

Messages are tagged `chk SENDER SEQ` by their healthy sender, SEQ counting from 0 without gaps,
so a receiver knows exactly what it should have: for every sender of its room, SEQ 0 .. sent-1,
each once, rising.
"""

import re
from dataclasses import dataclass, field

TAG = re.compile(r"^chk (h\d+) (\d+)(?: .*)?$")


def tag(sender, seq, padding=""):
    """The text of a healthy client's message number `seq`."""
    return f"chk {sender} {seq}" + (f" {padding}" if padding else "")


def parse_tag(text):
    """(sender, seq) of a tagged text, or None for any other text."""
    m = TAG.match(text)
    return (m.group(1), int(m.group(2))) if m else None


@dataclass
class Tally:
    """What one or more receivers' checks found."""
    checked: int = 0        # tagged messages received
    lost: int = 0           # sent and never received
    duplicated: int = 0     # received more than once
    out_of_order: int = 0   # received after a later one of the same sender
    unexpected: int = 0     # never sent (a sequence number past what was sent)

    def add(self, other):
        self.checked += other.checked
        self.lost += other.lost
        self.duplicated += other.duplicated
        self.out_of_order += other.out_of_order
        self.unexpected += other.unexpected

    def clean(self):
        return self.lost == 0 and self.duplicated == 0 and self.out_of_order == 0 \
            and self.unexpected == 0


@dataclass
class _Stream:
    seen: set = field(default_factory=set)
    highest: int = -1
    duplicated: int = 0
    out_of_order: int = 0


class DeliveryChecker:
    """One receiver's view: the tagged messages it got, by sender."""

    def __init__(self):
        self._streams = {}
        self.received_count = 0

    def received(self, sender, seq):
        self.received_count += 1
        s = self._streams.setdefault(sender, _Stream())
        if seq in s.seen:
            s.duplicated += 1
            return
        if seq < s.highest:
            s.out_of_order += 1
        s.seen.add(seq)
        s.highest = max(s.highest, seq)

    def missing(self, sent):
        """How many of `sent` (sender -> messages sent) have not arrived yet."""
        return sum(n - len([q for q in self._streams.get(k, _Stream()).seen if q < n])
                   for k, n in sent.items())

    def finish(self, sent):
        """The tally against `sent` (sender -> how many it sent to this receiver's room)."""
        t = Tally(checked=self.received_count)
        for sender, s in self._streams.items():
            n = sent.get(sender, 0)
            t.duplicated += s.duplicated
            t.out_of_order += s.out_of_order
            t.unexpected += sum(1 for q in s.seen if q >= n)
        t.lost = self.missing(sent)
        return t
