"""Draw Peerakeet's app icons: one SVG logo, rendered to the PNG sizes phones ask for.

Run after changing the drawing: ``.venv/bin/python scripts/make_app_icons.py``. The PNGs are
committed (the server never renders them). Chromium draws them, through Playwright, because the
project has no imaging library and needs none at run time.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parents[1] / "peerakeet" / "static" / "peerakeet" / "app"
CHROMIUM = "/usr/bin/chromium"
BRAND = "#0b5cad"

# Two speech bubbles: two people talking, which is what peer support is.
BUBBLES = (
    '<path fill="#ffffff" d="M156 120h110a60 60 0 0 1 60 60v50a60 60 0 0 1-60 60h-70l-62 48'
    ' 10-52a60 60 0 0 1-48-56v-50a60 60 0 0 1 60-60z"/>'
    '<path fill="#bfe0ff" d="M356 230h4a60 60 0 0 1 60 60v40a60 60 0 0 1-48 59l8 47-58-46h-56'
    'a60 60 0 0 1-60-60v-6h60a94 94 0 0 0 90-94z"/>'
)


def svg(*, background: str, content: str = BUBBLES, scale: float = 1.0) -> str:
    offset = 256 * (1 - scale)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="512" height="512">'
        f"{background}"
        f'<g transform="translate({offset:g} {offset:g}) scale({scale:g})">{content}</g></svg>'
    )


ROUNDED = f'<rect width="512" height="512" rx="112" fill="{BRAND}"/>'
FULL_BLEED = f'<rect width="512" height="512" fill="{BRAND}"/>'
# A notification badge is drawn by Android from its alpha channel alone: white on nothing.
BADGE = BUBBLES.replace("#bfe0ff", "#ffffff")

ICONS = {
    # name: (svg, pixel size)
    "icon-192.png": (svg(background=ROUNDED), 192),
    "icon-512.png": (svg(background=ROUNDED), 512),
    # Maskable: the platform cuts its own shape; everything that matters sits in the middle 80%.
    "icon-maskable-512.png": (svg(background=FULL_BLEED, scale=0.8), 512),
    # iOS rounds the corners itself and shows transparency as black.
    "apple-touch-icon.png": (svg(background=FULL_BLEED, scale=0.9), 180),
    "badge-96.png": (svg(background="", content=BADGE, scale=1.15), 96),
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "icon.svg").write_text(svg(background=ROUNDED) + "\n")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for name, (drawing, size) in ICONS.items():
            page = browser.new_page(viewport={"width": size, "height": size})
            natural = 'width="512" height="512">'
            sized = drawing.replace(natural, f'width="{size}" height="{size}">', 1)
            page.set_content(f"<style>body{{margin:0}}svg{{display:block}}</style>{sized}")
            page.screenshot(path=str(OUT / name), omit_background=True)
            page.close()
        browser.close()
    print(f"wrote {', '.join(ICONS)} and icon.svg to {OUT}")


if __name__ == "__main__":
    main()
