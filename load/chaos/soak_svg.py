#!/usr/bin/python3
"""Draws a soak's CSV (sampling.FIELDS) as an SVG: the server's RSS and the kernel's TCP memory
over time, one panel each, plus the open connections as a thin line on the RSS panel's own
scale. Hand-written SVG (no plotting library): what matters is whether the lines stay flat
after the warm-up.

Usage: soak_svg.py SOAK.csv OUT.svg [TITLE]
"""

import csv
import sys
from html import escape

W, PANEL_H, LEFT, RIGHT, TOP, GAP = 760, 170, 70, 20, 40, 50


def nice_max(v):
    """A round number at or above v, for an axis."""
    if v <= 0:
        return 1
    step = 10 ** (len(str(int(v))) - 1)
    for m in (1, 2, 2.5, 5, 10):
        if v <= m * step:
            return m * step
    return 10 * step


def panel(y0, xs, ys, t_max, label, unit, colour, out, extra=None):
    y_max = nice_max(max(ys) * 1.1 if ys else 1)
    plot_w = W - LEFT - RIGHT

    def px(t):
        return LEFT + plot_w * t / t_max

    def py(v, top=y_max):
        return y0 + PANEL_H - PANEL_H * v / top

    out.append(f'<text x="{LEFT}" y="{y0 - 8}" font-size="13" font-weight="bold">'
               f'{escape(label)}</text>')
    for i in range(5):
        v = y_max * i / 4
        y = py(v)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" '
                   f'stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">'
                   f'{v:g} {unit}</text>')
    step = next((s for s in (10, 30, 60, 120, 300, 600, 1800) if t_max / s <= 8), 3600)
    for i in range(int(t_max // step) + 1):
        t = i * step
        out.append(f'<text x="{px(t):.1f}" y="{y0 + PANEL_H + 14}" font-size="11" '
                   f'text-anchor="middle">{t / 60:g} min</text>')
    pts = " ".join(f"{px(t):.1f},{py(v):.1f}" for t, v in zip(xs, ys))
    out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.8" points="{pts}"/>')
    if extra:
        e_label, e_ys, e_colour = extra
        e_max = nice_max(max(e_ys) * 1.1 if e_ys else 1)
        pts = " ".join(f"{px(t):.1f},{py(v, e_max):.1f}" for t, v in zip(xs, e_ys))
        out.append(f'<polyline fill="none" stroke="{e_colour}" stroke-width="1" '
                   f'stroke-dasharray="3,2" points="{pts}"/>')
        out.append(f'<text x="{W - RIGHT}" y="{y0 - 8}" font-size="11" text-anchor="end" '
                   f'fill="{e_colour}">{escape(e_label)} (dashed, 0 to {e_max:g})</text>')


def draw(rows, title):
    xs = [float(r["seconds"]) for r in rows]
    t_max = max(xs[-1], 1.0) if xs else 1.0
    rss = [int(r["rss_kib"]) / 1024 for r in rows]
    tcp = [int(r["tcp_mem_pages"]) * 4 / 1024 for r in rows]  # 4 KiB pages
    conns = [max(0, int(r["connections"])) for r in rows]
    own = [int(r.get("server_sock_kib") or 0) / 1024 for r in rows]
    h = TOP + 2 * PANEL_H + GAP + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{h}" '
           f'viewBox="0 0 {W} {h}" font-family="sans-serif">',
           f'<rect width="{W}" height="{h}" fill="white"/>',
           f'<text x="{W / 2}" y="18" font-size="14" text-anchor="middle">{escape(title)}</text>']
    panel(TOP + 10, xs, rss, t_max, "Server RSS (VmRSS)", "MiB", "#1f6feb", out,
          ("open connections", conns, "#888"))
    panel(TOP + 10 + PANEL_H + GAP, xs, tcp, t_max,
          "Kernel TCP memory (/proc/net/sockstat mem, whole machine)", "MiB", "#d1242f", out,
          ("the server's own sockets (ss skmem r+w+f), MiB", own, "#8250df"))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def summary(rows, warmup=60.0):
    """One line of figures: RSS and TCP memory at the end of the warm-up, at the end, and the
    highest after the warm-up, so that growth shows as a number as well as a slope."""
    after = [r for r in rows if float(r["seconds"]) >= warmup] or rows
    rss = [int(r["rss_kib"]) / 1024 for r in after]
    tcp = [int(r["tcp_mem_pages"]) * 4 / 1024 for r in after]
    own = [int(r.get("server_sock_kib") or 0) / 1024 for r in after]
    return (f"{len(rows)} samples over {float(rows[-1]['seconds']) / 60:.1f} min; after "
            f"{warmup:.0f} s of warm-up: RSS {rss[0]:.1f} -> {rss[-1]:.1f} MiB (highest "
            f"{max(rss):.1f}), TCP memory {tcp[0]:.2f} -> {tcp[-1]:.2f} MiB (highest "
            f"{max(tcp):.2f}), the server's sockets {own[0]:.2f} -> {own[-1]:.2f} MiB (highest "
            f"{max(own):.2f})")


def main(argv):
    with open(argv[1]) as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise SystemExit(f"{argv[1]}: no samples")
    title = argv[3] if len(argv) > 3 else "Parley soak: chaos client against the Release server"
    with open(argv[2], "w") as f:
        f.write(draw(rows, title))
    print(summary(rows))


if __name__ == "__main__":
    main(sys.argv)
