"""Draw the app's favicon (src/jxtrack/ui/assets/favicon.png): a blue tile with three rising bars.
Served by the app itself (st.set_page_config), so no page fetches an icon from another host."""

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "src" / "jxtrack" / "ui" / "assets" / "favicon.png"


def main() -> None:
    size = 64
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((0, 0, size - 1, size - 1), radius=12, fill="#1f5fa8")
    for i, h in enumerate((18, 30, 42)):
        x = 12 + i * 15
        d.rectangle((x, 52 - h, x + 10, 52), fill="#ffffff")
    img.save(OUT, optimize=True)


if __name__ == "__main__":
    main()
