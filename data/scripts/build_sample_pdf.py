"""Build a bundled sample PDF report from its plain-text source.

Usage (from the repository root, with fpdf2 installed):

    python data/scripts/build_sample_pdf.py
    python data/scripts/build_sample_pdf.py SOURCE.txt OUT.pdf

Without arguments it rebuilds data/reports/harbourline/2023_esg_report.pdf from
2023_esg_report.source.txt beside it. The gold labels in data/eval/sample_gold.csv
give line numbers in the source file, so edit the source, not the PDF.

Source format, one block per line:
    # text           title line (large, bold)
    ## text          section heading
    ### text         sub-heading
      • text         bullet point
    [caption] text   photo caption (small italic)
    a | b | c        table row; consecutive rows form one table, the first is the header
    anything else    a paragraph
Blank lines only separate blocks.

The PDF uses the core Helvetica font, so the source must stay within latin-1
(the bullet is drawn with the core Symbol font). Metadata dates are fixed, so
rebuilding from an unchanged source gives identical bytes.
"""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parent / "reports" / "harbourline" / "2023_esg_report.source.txt"
DEFAULT_OUT = HERE.parent / "reports" / "harbourline" / "2023_esg_report.pdf"
FIXED_DATE = datetime(2024, 3, 21, 9, 0, 0, tzinfo=timezone.utc)
BULLET = "\u2022"


class ReportPDF(FPDF):
    running_title = ""

    def header(self):
        if self.page_no() == 1:
            return
        self.set_font("Helvetica", "I", 8)
        self.set_text_color(110)
        self.cell(0, 6, self.running_title, align="R")
        self.ln(10)
        self.set_text_color(0)

    def footer(self):
        self.set_y(-14)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(110)
        self.cell(0, 6, str(self.page_no()), align="C")
        self.set_text_color(0)


def blocks(lines):
    """Group source lines into (kind, payload) blocks; tables collect their rows."""
    table = []
    for line in lines:
        text = line.rstrip()
        if " | " in text:
            table.append([c.strip() for c in text.split("|")])
            continue
        if table:
            yield "table", table
            table = []
        stripped = text.strip()
        if not stripped:
            continue
        if stripped.startswith("### "):
            yield "h3", stripped[4:]
        elif stripped.startswith("## "):
            yield "h2", stripped[3:]
        elif stripped.startswith("# "):
            yield "title", stripped[2:]
        elif stripped.startswith(BULLET):
            yield "bullet", stripped[1:].strip()
        elif stripped.startswith("[caption]"):
            yield "caption", stripped[len("[caption]"):].strip()
        else:
            yield "para", stripped
    if table:
        yield "table", table


def build(source: Path, out: Path) -> None:
    lines = source.read_text(encoding="utf-8").splitlines()
    titles = [ln[2:].strip() for ln in lines if ln.startswith("# ")]

    pdf = ReportPDF(format="A4")
    pdf.running_title = " - ".join(titles)
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(titles[-1] if titles else source.stem)
    pdf.set_author(titles[0] if titles else "")
    pdf.set_creator("esg-pipeline data/scripts/build_sample_pdf.py")
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()

    for kind, payload in blocks(lines):
        if kind == "title":
            pdf.set_font("Helvetica", "B", 17)
            pdf.multi_cell(0, 9, payload, new_x="LMARGIN", new_y="NEXT")
        elif kind in ("h2", "h3"):
            pdf.ln(3)
            pdf.set_font("Helvetica", "B", 13 if kind == "h2" else 11)
            pdf.multi_cell(0, 7, payload, new_x="LMARGIN", new_y="NEXT")
        elif kind == "para":
            pdf.set_font("Helvetica", "", 10)
            pdf.multi_cell(0, 5, payload, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif kind == "bullet":
            pdf.set_font("Symbol", "", 10)
            pdf.cell(6, 5, chr(0xB7))
            pdf.set_font("Helvetica", "", 10)
            pdf.multi_cell(0, 5, payload, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif kind == "caption":
            pdf.set_font("Helvetica", "I", 8)
            pdf.multi_cell(0, 4, payload, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif kind == "table":
            pdf.ln(2)
            pdf.set_font("Helvetica", "", 9)
            ncols = len(payload[0])
            with pdf.table(
                col_widths=(70,) + (20,) * (ncols - 1),
                text_align=("LEFT",) + ("RIGHT",) * (ncols - 1),
                headings_style=FontFace(emphasis="BOLD", fill_color=(225, 232, 240)),
                line_height=6,
            ) as table:
                for row in payload:
                    cells = table.row()
                    for value in row:
                        cells.cell(value)
            pdf.ln(3)

    out.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(out))


def main(argv: list[str]) -> int:
    if len(argv) not in (0, 2):
        print(__doc__, file=sys.stderr)
        return 2
    source, out = (Path(argv[0]), Path(argv[1])) if argv else (DEFAULT_SOURCE, DEFAULT_OUT)
    build(source, out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
