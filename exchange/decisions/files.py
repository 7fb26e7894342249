"""A decision list as the municipality reads it: a PDF to sign off and a CP932 CSV for its system.

Both list, in 世帯番号 order, who (世帯番号, 世帯主氏名), how much (the programme's amount), which
account (as on file) and what to look at (flags in words), with the list's totals.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from exchange.decisions.models import DecisionLine, DecisionList
from exchange.results.files import cp932_csv, write_atomically
from mailroom.printing.fonts import register_font
from secretariat.core.clock import in_jst
from secretariat.core.programmes.models import Programme

FLAG_LABELS_JA = {
    "no_account": "口座の登録がありません（支給決定後に口座の確認が必要です）",
    "holder_not_head": "口座名義が世帯主と異なります",
    "duplicate_account": "同じ口座が他の世帯にも登録されています",
    "keyed_account_differs": "確認書に記入された口座が市区町村の登録口座と異なります",
    "changed_by_delta": "審査中に市区町村の異動データで世帯が変わりました（転出・死亡など）",
}
HEADINGS = ["世帯番号", "世帯主氏名", "支給額", "振込先口座", "確認事項"]
CSV_FILE, PDF_FILE = "decision-list.csv", "decision-list.pdf"


def flag_words(line: DecisionLine) -> str:
    return "／".join(FLAG_LABELS_JA.get(flag, flag) for flag in line.flags)


def write_decision_files(folder: Path, programme: Programme, decision: DecisionList,
                         lines: list[DecisionLine]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    ordered = sorted(lines, key=lambda line: line.household_number)
    rows = [[line.household_number, line.head_name, line.amount_yen, line.account, flag_words(line)]
            for line in ordered]
    csv_path = write_atomically(folder / CSV_FILE, cp932_csv(HEADINGS, rows))
    pdf_path = folder / PDF_FILE
    _pdf(pdf_path, programme, decision, ordered)
    return [csv_path, pdf_path]


def _pdf(path: Path, programme: Programme, decision: DecisionList, lines: list[DecisionLine]) -> None:
    font = register_font()
    text = ParagraphStyle("text", fontName=font, fontSize=9, leading=12)
    title = ParagraphStyle("title", fontName=font, fontSize=14, leading=20)
    proposed = in_jst(decision.proposed_at).strftime("%Y-%m-%d")
    story = [Paragraph(f"{escape(programme.name)} 支給決定リスト（番号 {decision.id}）", title),
             Paragraph(f"提案日 {proposed}　提案者 {escape(decision.proposed_by)}　件数 {decision.line_count:,} 件　"
                       f"支給額合計 {decision.total_yen:,} 円　確認事項のある申請 {decision.flagged_count:,} 件", text),
             Spacer(1, 4 * mm)]
    table = [HEADINGS] + [[line.household_number, Paragraph(escape(line.head_name), text), f"{line.amount_yen:,}円",
                           Paragraph(escape(line.account) or "（登録なし）", text), Paragraph(escape(flag_words(line)), text)]
                          for line in lines]
    grid = Table(table, colWidths=[28 * mm, 40 * mm, 26 * mm, 80 * mm, 95 * mm], repeatRows=1)
    grid.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 9), ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                              ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                              ("ALIGN", (2, 1), (2, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [grid, Spacer(1, 8 * mm),
              Paragraph("上記の申請について支給を決定します。　承認者　________________　承認日　____年__月__日", text)]
    partial = path.with_suffix(".pdf.partial")
    SimpleDocTemplate(str(partial), pagesize=landscape(A4), title=f"支給決定リスト {decision.id}",
                      leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm, bottomMargin=12 * mm).build(story)
    partial.replace(path)
