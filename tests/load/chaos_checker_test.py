#!/usr/bin/python3
"""The chaos client's own checking logic (load/chaos): the delivery checker counts a lost, a
duplicated, a reordered and a never-sent message as such, and only those; tags are recognised
only in their exact form; the soak's /proc/net/sockstat reader and /metrics parser read what
the kernel and the server write. No server, no sockets.
"""

import sys
import unittest
from pathlib import Path

# No __pycache__ in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "load"))

from chaos import observer, sampling, soak_svg  # noqa: E402
from chaos.checker import DeliveryChecker, Tally, parse_tag, tag  # noqa: E402


def receive(checker, stream):
    for sender, seq in stream:
        checker.received(sender, seq)


class DeliveryCheckerTest(unittest.TestCase):
    def test_everything_once_in_order_is_clean(self):
        c = DeliveryChecker()
        # Two senders interleaved: order only matters within one sender.
        receive(c, [("h1", 0), ("h2", 0), ("h1", 1), ("h2", 1), ("h1", 2)])
        t = c.finish({"h1": 3, "h2": 2})
        self.assertEqual(t, Tally(checked=5))
        self.assertTrue(t.clean())

    def test_a_lost_message_is_counted(self):
        c = DeliveryChecker()
        receive(c, [("h1", 0), ("h1", 2)])
        t = c.finish({"h1": 3})
        self.assertEqual((t.lost, t.duplicated, t.out_of_order), (1, 0, 0))
        self.assertFalse(t.clean())

    def test_the_last_messages_lost_are_counted(self):
        c = DeliveryChecker()
        receive(c, [("h1", 0)])
        self.assertEqual(c.missing({"h1": 4, "h2": 2}), 5)
        self.assertEqual(c.finish({"h1": 4, "h2": 2}).lost, 5)

    def test_a_duplicate_is_counted_once_per_extra_copy(self):
        c = DeliveryChecker()
        receive(c, [("h1", 0), ("h1", 1), ("h1", 1), ("h1", 1), ("h1", 2)])
        t = c.finish({"h1": 3})
        self.assertEqual((t.lost, t.duplicated, t.out_of_order), (0, 2, 0))
        self.assertEqual(t.checked, 5)

    def test_a_reordered_message_is_counted(self):
        c = DeliveryChecker()
        receive(c, [("h1", 0), ("h1", 2), ("h1", 1), ("h1", 3)])
        t = c.finish({"h1": 4})
        self.assertEqual((t.lost, t.duplicated, t.out_of_order), (0, 0, 1))

    def test_a_message_never_sent_is_unexpected(self):
        c = DeliveryChecker()
        receive(c, [("h1", 0), ("h1", 1), ("h1", 7)])
        t = c.finish({"h1": 2})
        self.assertEqual((t.lost, t.unexpected), (0, 1))
        self.assertFalse(t.clean())
        c = DeliveryChecker()
        receive(c, [("h9", 0)])  # a sender not of this room
        self.assertEqual(c.finish({"h1": 0}).unexpected, 1)

    def test_missing_drops_to_zero_as_messages_arrive(self):
        c = DeliveryChecker()
        sent = {"h1": 2}
        self.assertEqual(c.missing(sent), 2)
        c.received("h1", 1)
        self.assertEqual(c.missing(sent), 1)
        c.received("h1", 0)
        self.assertEqual(c.missing(sent), 0)

    def test_tallies_add_up(self):
        total = Tally()
        total.add(Tally(checked=3, lost=1))
        total.add(Tally(checked=2, duplicated=1, out_of_order=2, unexpected=1))
        self.assertEqual(total, Tally(checked=5, lost=1, duplicated=1, out_of_order=2,
                                      unexpected=1))


class TagTest(unittest.TestCase):
    def test_round_trip_with_and_without_padding(self):
        self.assertEqual(parse_tag(tag("h3", 17)), ("h3", 17))
        self.assertEqual(parse_tag(tag("h3", 0, "xxx")), ("h3", 0))

    def test_other_texts_are_not_tags(self):
        for text in ["hello", "chk h3", "chk h3 x", "chk r3 1", " chk h3 1", "chk h3 1x",
                     "xchk h3 1", ""]:
            self.assertIsNone(parse_tag(text), text)


class ReadersTest(unittest.TestCase):
    def test_sockstat_tcp_line(self):
        text = ("sockets: used 412\n"
                "TCP: inuse 27 orphan 1 tw 33 alloc 40 mem 12\n"
                "UDP: inuse 3 mem 2\n")
        self.assertEqual(sampling.sockstat(text),
                         {"inuse": 27, "orphan": 1, "tw": 33, "alloc": 40, "mem": 12})

    def test_server_socket_bytes_sums_its_own_sockets(self):
        text = (
            'ESTAB 0 179 127.0.0.1:7777 127.0.0.1:47984 users:(("parley-server",pid=42,fd=9)) '
            "skmem:(r0,rb131072,t0,tb131072,f3085,w1011,o0,bl0,d0)\n"
            'ESTAB 5 0 127.0.0.1:7777 127.0.0.1:47990 users:(("parley-server",pid=42,fd=10)) '
            "skmem:(r768,rb131072,t0,tb131072,f3328,w0,o0,bl0,d0)\n"
            'ESTAB 0 0 127.0.0.1:47984 127.0.0.1:7777 users:(("python3",pid=420,fd=3)) '
            "skmem:(r9999,rb131072,t0,tb131072,f1,w1,o0,bl0,d0)\n")
        self.assertEqual(sampling.server_socket_bytes(42, text), 3085 + 1011 + 768 + 3328)
        self.assertEqual(sampling.server_socket_bytes(7, text), 0)

    def test_the_metrics_sample_pattern(self):
        m = observer.SAMPLE.match('parley_connections{protocol="irc",tls="true"} 3')
        self.assertEqual((m.group(1), m.group(3)), ("parley_connections", "3"))
        self.assertEqual(observer.SAMPLE.match("parley_rooms 1").group(3), "1")
        self.assertIsNone(observer.SAMPLE.match("# TYPE parley_rooms gauge"))

    def test_the_svg_draws_both_series(self):
        rows = [{"seconds": str(t), "rss_kib": str(10240 + t), "tcp_mem_pages": "25",
                 "tcp_inuse": "3", "tcp_orphan": "0", "tcp_tw": "1", "connections": "40",
                 "server_sock_kib": "300"}
                for t in range(0, 301, 5)]
        svg = soak_svg.draw(rows, "t")
        self.assertTrue(svg.startswith("<svg"))
        # RSS, connections, TCP memory, the server's sockets
        self.assertEqual(svg.count("<polyline"), 4)
        self.assertIn(">5 min<", svg)


if __name__ == "__main__":
    unittest.main(verbosity=2)
