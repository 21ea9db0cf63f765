"""Make the licence font: a subset of WenQuanYi Micro Hei (文泉驿微米黑) for the PDF renderer.

The PDF of a licence must show any name, address or face field in Chinese, yet stay small. This script
keeps printable ASCII and Latin-1, General Punctuation, CJK Symbols and Punctuation, the Halfwidth and
Fullwidth Forms, and every character GB 2312-1980 encodes (its 6,763 hanzi, its symbols, kana, Greek,
Cyrillic and pinyin letters); it drops hinting and the OpenType layout tables (the renderer sets
Chinese without shaping). fpdf2 subsets the font again when it embeds it, so each PDF carries only the
glyphs it uses.

Run (Debian package fonts-wqy-microhei):

    python src/govplus/licences/fonts/make_subset.py \
        /usr/share/fonts/truetype/wqy/wqy-microhei.ttc src/govplus/licences/fonts/wqy-microhei-gb2312.ttf
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

RANGES = (
    (0x0020, 0x007E),  # printable ASCII
    (0x00A0, 0x00FF),  # Latin-1 supplement (pinyin with tone marks is in GB 2312 row 8)
    (0x2000, 0x206F),  # General Punctuation: — … ‘ ’ “ ” ‰ ※
    (0x3000, 0x303F),  # CJK Symbols and Punctuation: 、 。 《 》 【 】 〇
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms: ， ： （ ） ￥
)


def gb2312_characters() -> set[str]:
    """Every character GB 2312 encodes: rows 0xA1–0xF7, cells 0xA1–0xFE, where the byte pair decodes."""
    characters = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                characters.add(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return characters


def wanted_code_points() -> set[int]:
    points = {ord(c) for c in gb2312_characters()}
    for first, last in RANGES:
        points.update(range(first, last + 1))
    return points


def make_subset(source: Path, target: Path) -> int:
    """Write the subset of font 0 of the collection (Micro Hei, not its Mono twin); the glyphs kept."""
    font = TTFont(source, fontNumber=0, lazy=False, recalcTimestamp=False)  # reproducible output
    options = subset.Options()
    options.hinting = False  # screens and printers of today do without TrueType hinting
    options.layout_features = []
    options.drop_tables += ["FFTM", "GDEF", "GPOS", "GSUB", "vhea", "vmtx", "gasp", "DSIG"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # keep copyright and licence records
    options.glyph_names = True  # post format 2: without names every load rebuilds them from the cmap (slow)
    options.notdef_outline = True
    options.recalc_timestamp = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(wanted_code_points()))
    subsetter.subset(font)
    font.save(target)
    return len(font.getGlyphOrder())


if __name__ == "__main__":
    source_path, target_path = Path(sys.argv[1]), Path(sys.argv[2])
    kept = make_subset(source_path, target_path)
    print(f"{target_path}: {kept} glyphs, {target_path.stat().st_size:,} bytes")
