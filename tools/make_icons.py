"""Render the app icons from static/icons/icon.svg with headless Chromium.

Run once after changing the drawing: `.venv/bin/python tools/make_icons.py`.
The PNGs are committed; the app never runs this.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import sync_playwright

ICONS = Path(__file__).resolve().parent.parent / "static" / "icons"
BG = "#140909"

# name -> (size in px, padding as a share of the size, rounded corners?)
OUTPUTS = {
    "icon-192.png": (192, 0.0, True),
    "icon-512.png": (512, 0.0, True),
    # Maskable: full-bleed background, the drawing inside the 80% safe zone.
    "maskable-512.png": (512, 0.14, False),
    "apple-touch-icon.png": (180, 0.0, False),
    "shortcut-96.png": (96, 0.0, True),
}


def page_html(svg: str, size: int, pad: float, rounded: bool) -> str:
    """A page showing the icon at exactly size x size pixels."""
    if not rounded:
        svg = svg.replace('rx="112" ', "")
    inner = size * (1 - 2 * pad)
    return (
        f"<html><body style='margin:0;background:{'transparent' if rounded else BG}'>"
        f"<div style='width:{size}px;height:{size}px;display:flex;align-items:center;justify-content:center'>"
        f"<div style='width:{inner}px;height:{inner}px'>{svg.replace('<svg ', '<svg width=100% height=100% ')}</div>"
        "</div></body></html>"
    )


def main() -> None:
    svg = (ICONS / "icon.svg").read_text()
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for name, (size, pad, rounded) in OUTPUTS.items():
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(page_html(svg, size, pad, rounded))
            page.screenshot(path=str(ICONS / name), omit_background=rounded)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
