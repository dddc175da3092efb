"""规划实施年度报告: the annual monitoring report of a region, as JSON, Excel or PDF.

``build`` gathers the figures (attainment, laggard sub-regions, trend, data completeness, the task
ledger); ``to_xlsx`` and ``to_pdf`` render them. The PDF embeds a CJK font (Noto Sans CJK from
Debian's fonts-noto-cjk, or the file named by ``settings.LINLI_CJK_FONT``) and draws its charts
itself. ``render`` is what both doors call (the API's ``/report`` and the dashboard's download): the
file, its type and its name, or a coded ``ReportError``.
"""

from __future__ import annotations

import datetime as dt
import glob
import io
import json
import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from linli.core.tabular import neutralise_workbook
from linli.indicators import selectors
from linli.indicators.engine import rules
from linli.indicators.models import PlanTask, TaskStatus
from linli.regions.models import Region


class ReportError(ValidationError):
    """The report cannot be made (no data for the year, no CJK font); the message says why, in Chinese,
    the code for machines (``indicator.report_no_data`` …)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message, code=code)


FONT_CANDIDATES = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # face 2 = Simplified Chinese
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
]


def find_cjk_font() -> tuple[str, int]:
    env = settings.LINLI_CJK_FONT
    if env:
        if not os.path.isfile(env):
            raise ReportError(
                f"LINLI_CJK_FONT 指定的字体文件不存在：{env}", code="indicator.report_font_missing"
            )
        return env, 2 if "NotoSansCJK" in env or "NotoSerifCJK" in env else 0
    for path, face in FONT_CANDIDATES:
        if os.path.isfile(path):
            return path, face
    found = sorted(glob.glob("/usr/share/fonts/**/*CJK*Regular*", recursive=True))
    if found:
        return found[0], 2 if found[0].endswith(".ttc") else 0
    raise ReportError(
        "未找到中文字体，无法生成 PDF：请安装 fonts-noto-cjk（Debian/Ubuntu），或用环境变量 LINLI_CJK_FONT 指定字体文件",
        code="indicator.report_font_missing",
    )


def fmt(v: Decimal | float | None, decimals: int = 1) -> str:
    if v is None:
        return "—"
    return f"{Decimal(v):,.{decimals}f}"


def build(region: Region, year: int, *, today: dt.date | None = None) -> dict[str, Any]:
    """The report's figures as plain data (what the JSON format returns)."""
    today = today or timezone.localdate()
    rows = selectors.attainment(region, year)
    if not rows:
        raise ReportError(
            f"{region.name}尚未采用任何规划或设定目标，没有可报告的指标", code="indicator.report_no_targets"
        )
    if all(a.value.value is None for a in rows):
        raise ReportError(
            f"{region.name} {year} 年没有任何指标数据，无法生成年度报告", code="indicator.report_no_data"
        )
    indicators = []
    for a in rows:
        d = a.indicator.decimals
        indicators.append(
            {
                "code": a.indicator.code,
                "name": a.indicator.name,
                "unit": a.indicator.unit,
                "attribute": a.target.get_attribute_display() if a.target else "",
                "comparison": a.target.get_comparison_display() if a.target else "",
                "target": float(a.target.target_value) if a.target else None,
                "target_year": a.target.target_year if a.target else None,
                "baseline": float(a.target.baseline_value)
                if a.target and a.target.baseline_value is not None
                else None,
                "plan": (a.target.plan.name if a.target and a.target.plan else "本级自定"),
                "source_section": a.target.source_section if a.target else "",
                "value": float(round(a.value.value, d)) if a.value.value is not None else None,
                "numerator": float(a.value.numerator) if a.value.numerator is not None else None,
                "denominator": float(a.value.denominator) if a.value.denominator is not None else None,
                "status": a.status,
                "gap": float(round(a.gap, d)) if a.gap is not None else None,
                "gap_reason": a.value.gap_reason,
                "missing": a.value.missing,
                "missing_names": a.missing_names,
                "progress": float(round(a.progress, 3)) if a.progress is not None else None,
                "laggards": [
                    {
                        "code": r.code,
                        "name": r.name,
                        "value": float(round(v.value, d)) if v.value is not None else None,
                    }
                    for r, v, _ in a.laggards[:5]
                ],
                "trend": [
                    {"year": y, "value": float(round(v, d)) if v is not None else None} for y, v in a.trend
                ],
                "completeness": [{"element": n, "reported": g, "expected": e} for n, g, e in a.completeness],
                "decimals": d,
            }
        )
    tasks = list(PlanTask.objects.filter(region=region).order_by("plan__code", "number"))
    overdue = [t for t in tasks if t.is_overdue(today)]
    counts = {s: sum(1 for a in rows if a.status == s) for s in (rules.MET, rules.NOT_MET, rules.NO_DATA)}
    return {
        "title": f"{region.full_name()}{year}年城乡社区服务体系建设规划实施年度报告",
        "region": {"code": region.code, "name": region.name},
        "year": year,
        "generated": today.isoformat(),
        "summary": {"indicators": len(rows), **counts},
        "indicators": indicators,
        "tasks": {
            "total": len(tasks),
            "done": sum(1 for t in tasks if t.status == TaskStatus.DONE),
            "in_progress": sum(1 for t in tasks if t.status == TaskStatus.IN_PROGRESS),
            "overdue": [
                {
                    "number": t.number,
                    "title": t.title or t.text[:30],
                    "lead": t.lead_units,
                    "deadline": t.deadline.isoformat() if t.deadline else None,
                    "percent": t.percent,
                }
                for t in overdue
            ],
        },
    }


def to_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def to_xlsx(data: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "指标达标情况"
    ws.append([data["title"]])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(
        [
            f"生成日期：{data['generated']}；共 {data['summary']['indicators']} 项指标，达标 {data['summary'][rules.MET]} 项，未达标 {data['summary'][rules.NOT_MET]} 项，无数据 {data['summary'][rules.NO_DATA]} 项"
        ]
    )
    header = [
        "序号",
        "指标",
        "单位",
        "属性",
        "目标",
        "基期值",
        f"{data['year']}年值",
        "状态",
        "差距",
        "进度",
        "缺少的数据/说明",
        "拖后腿的下级",
        "出处",
    ]
    ws.append(header)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for c in ws[3]:
        c.font, c.fill = Font(bold=True), fill
    colors = {rules.MET: "E2F0D9", rules.NOT_MET: "FCE4D6", rules.NO_DATA: "EDEDED"}
    for n, i in enumerate(data["indicators"], start=1):
        ws.append(
            [
                n,
                i["name"],
                i["unit"],
                i["attribute"] or "未注明",
                # "=" would start a formula in a spreadsheet: the full-width sign reads the same
                f"{i['comparison'].replace('=', '＝')}{fmt(i['target'], i['decimals'])}"
                if i["target"] is not None
                else "",
                i["baseline"],
                i["value"],
                i["status"],
                i["gap"],
                i["progress"],
                "；".join(filter(None, [i["gap_reason"], "、".join(i["missing_names"])])),
                "、".join(f"{x['name']}({fmt(x['value'], i['decimals'])})" for x in i["laggards"]),
                f"{i['plan']} {i['source_section']}",
            ]
        )
        ws.cell(ws.max_row, 8).fill = PatternFill("solid", fgColor=colors[i["status"]])
    for col, width in zip("ABCDEFGHIJKLM", (6, 40, 6, 8, 10, 8, 10, 8, 8, 8, 30, 30, 40), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=4):
        row[1].alignment = Alignment(wrap_text=True)
    trend = wb.create_sheet("趋势")
    years = sorted({t["year"] for i in data["indicators"] for t in i["trend"]})
    trend.append(["指标"] + [f"{y}年" for y in years])
    for i in data["indicators"]:
        by_year = {t["year"]: t["value"] for t in i["trend"]}
        trend.append([i["name"]] + [by_year.get(y) for y in years])
    tasks = wb.create_sheet("逾期任务")
    tasks.append(["序号", "任务", "牵头单位", "完成时限", "进度（%）"])
    for t in data["tasks"]["overdue"]:
        tasks.append([t["number"], t["title"], t["lead"], t["deadline"], t["percent"]])
    neutralise_workbook(wb)  # names, titles and units typed by users never become formulas
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


STATUS_RGB = {rules.MET: (46, 125, 50), rules.NOT_MET: (198, 40, 40), rules.NO_DATA: (150, 150, 150)}


def _para(pdf: Any, text: str, h: float = 5.5, align: str = "L") -> None:
    pdf.multi_cell(0, h, text, new_x="LMARGIN", new_y="NEXT", align=align, wrapmode="CHAR")


def to_pdf(data: dict[str, Any]) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    path, face = find_cjk_font()
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(True, margin=15)
    try:
        pdf.add_font("cjk", fname=path, collection_font_number=face)
    except Exception as exc:  # a broken or non-CJK font file
        raise ReportError(f"中文字体无法加载（{path}）：{exc}", code="indicator.report_font_broken") from exc
    pdf.set_title(data["title"])
    pdf.set_creator("邻里 Linli")
    pdf.add_page()
    pdf.set_font("cjk", size=17)
    _para(pdf, data["title"], 9, align="C")
    pdf.ln(2)
    pdf.set_font("cjk", size=10)
    s = data["summary"]
    _para(
        pdf,
        f"本报告依据已采用规划的主要指标，对{data['region']['name']}{data['year']}年的指标值、目标值和达标情况进行监测。"
        f"共监测 {s['indicators']} 项指标：达标 {s[rules.MET]} 项，未达标 {s[rules.NOT_MET]} 项，无数据 {s[rules.NO_DATA]} 项。"
        f"计算口径：先汇总分子、分母，再相除；缺少数据的指标标为“无数据”并列明所缺数据元，不按零计算。生成日期：{data['generated']}。",
    )
    pdf.ln(3)
    _section(pdf, "一、主要指标达标情况")
    head = ("指标", "属性", "目标", "本年值", "状态", "差距")
    widths = (78, 16, 24, 24, 16, 22)
    pdf.set_font("cjk", size=8.5)
    pdf.set_fill_color(255, 255, 255)
    with pdf.table(
        col_widths=widths,
        text_align=("LEFT", "CENTER", "RIGHT", "RIGHT", "CENTER", "RIGHT"),
        line_height=5,
        cell_fill_mode="NONE",
        headings_style=FontFace(emphasis=None, fill_color=(221, 235, 247)),
    ) as table:
        table.row(head)
        for i in data["indicators"]:
            row = table.row()
            row.cell(f"{i['name']}（{i['unit']}）")
            row.cell(i["attribute"] or "未注明")
            row.cell(
                f"{i['comparison']}{fmt(i['target'], i['decimals'])}" if i["target"] is not None else "—"
            )
            row.cell(
                fmt(i["value"], i["decimals"]) if i["value"] is not None else (i["gap_reason"] or "无数据")
            )
            row.cell(i["status"], style=FontFace(color=STATUS_RGB[i["status"]]))
            row.cell(fmt(i["gap"], i["decimals"]))
    pdf.ln(4)
    _section(pdf, "二、目标完成度")
    _bar_chart(pdf, data)
    _section(pdf, "三、指标趋势")
    _trend_chart(pdf, data)
    _section(pdf, "四、需要关注的下级区划与缺少的数据")
    pdf.set_font("cjk", size=9.5)
    any_note = False
    for i in data["indicators"]:
        notes = []
        if i["laggards"]:
            notes.append(
                "未达标的下级："
                + "、".join(f"{x['name']}（{fmt(x['value'], i['decimals'])}）" for x in i["laggards"])
            )
        if i["missing"]:
            notes.append(f"{i['gap_reason']}：" + "、".join(i["missing_names"]))
        elif i["gap_reason"]:
            notes.append(i["gap_reason"])
        for c in i["completeness"]:
            if 0 < c["reported"] < c["expected"]:
                notes.append(f"“{c['element']}”仅 {c['reported']}/{c['expected']} 个单位填报")
        if notes:
            any_note = True
            _para(pdf, f"· {i['name']}：" + "；".join(notes))
    if not any_note:
        _para(pdf, "各项指标的下级区划均已达标，数据完整。")
    pdf.ln(2)
    _section(pdf, "五、任务清单及工作台账")
    t = data["tasks"]
    pdf.set_font("cjk", size=9.5)
    _para(
        pdf,
        f"任务共 {t['total']} 项：已完成 {t['done']} 项，推进中 {t['in_progress']} 项，逾期未完成 {len(t['overdue'])} 项。",
    )
    if t["overdue"]:
        pdf.set_font("cjk", size=8.5)
        pdf.set_fill_color(255, 255, 255)
        with pdf.table(
            col_widths=(12, 90, 40, 24, 14),
            line_height=5,
            cell_fill_mode="NONE",
            headings_style=FontFace(emphasis=None, fill_color=(221, 235, 247)),
        ) as table:
            table.row(("序号", "任务", "牵头单位", "完成时限", "进度"))
            for o in t["overdue"]:
                table.row((str(o["number"]), o["title"], o["lead"], o["deadline"] or "", f"{o['percent']}%"))
    return bytes(pdf.output())


def _section(pdf: Any, text: str) -> None:
    if pdf.get_y() > pdf.h - 60:  # keep a heading with what follows it
        pdf.add_page()
    pdf.set_font("cjk", size=12.5)
    pdf.set_text_color(21, 101, 192)
    pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


def _bar_chart(pdf: Any, data: dict[str, Any]) -> None:
    """Horizontal bars: value as a share of the target (100 % = target line), coloured by status."""
    pdf.set_font("cjk", size=8)
    x0, label_w, bar_w, h = pdf.l_margin, 70, 100, 5
    scale_max = 1.5
    rows = [i for i in data["indicators"] if i["target"]]
    if pdf.get_y() + h * (len(rows) + 3) > pdf.h - 15:
        pdf.add_page()
    y = pdf.get_y()
    for i in rows:
        ratio = None
        if i["value"] is not None and i["target"]:
            ratio = (
                i["value"] / i["target"]
                if i["comparison"] != "≤"
                else (i["target"] / i["value"] if i["value"] else scale_max)
            )
        pdf.set_xy(x0, y)
        pdf.cell(label_w, h, i["name"][:24], align="R")
        if ratio is None:
            pdf.set_text_color(120, 120, 120)
            pdf.cell(bar_w, h, "  无数据")
            pdf.set_text_color(0, 0, 0)
        else:
            w = bar_w * min(ratio, scale_max) / scale_max
            pdf.set_fill_color(*STATUS_RGB[i["status"]])
            pdf.rect(x0 + label_w + 1, y + 0.8, max(w, 0.3), h - 1.6, style="F")
            pdf.set_xy(x0 + label_w + 2 + w, y)
            pdf.cell(20, h, f"{ratio * 100:.0f}%")
        y += h + 0.6
    target_x = x0 + label_w + 1 + bar_w / scale_max
    pdf.set_draw_color(60, 60, 60)
    pdf.set_dash_pattern(dash=1, gap=1)
    top = pdf.get_y() - (h + 0.6) * (len(rows) - 1) - h
    pdf.line(target_x, top, target_x, y)
    pdf.set_dash_pattern()
    pdf.set_xy(target_x - 10, y)
    pdf.cell(20, 4, "目标 100%", align="C")
    pdf.set_y(y + 7)


def _trend_chart(pdf: Any, data: dict[str, Any]) -> None:
    """Small multiples: one line per indicator over the years with data, the target dashed."""
    rows = [i for i in data["indicators"] if sum(1 for t in i["trend"] if t["value"] is not None) >= 1]
    if not rows:
        pdf.set_font("cjk", size=9.5)
        _para(pdf, "暂无历年数据。")
        return
    w, h, gap_x, gap_y = 88, 34, 6, 10
    pdf.set_font("cjk", size=7.5)
    for k, i in enumerate(rows):
        col = k % 2
        if col == 0 and pdf.get_y() + h + gap_y > pdf.h - 15:
            pdf.add_page()
        x = pdf.l_margin + col * (w + gap_x)
        y = pdf.get_y()
        pdf.set_xy(x, y)
        pdf.cell(w, 4, f"{i['name'][:26]}（{i['unit']}）")
        px, py, pw, ph = x + 10, y + 6, w - 14, h - 12
        pdf.set_draw_color(200, 200, 200)
        pdf.rect(px, py, pw, ph)
        pts = [(t["year"], t["value"]) for t in i["trend"]]
        vals = [v for _, v in pts if v is not None] + ([i["target"]] if i["target"] is not None else [])
        lo, hi = min(vals + [0.0]), max(vals) if vals else 1.0
        hi = hi if hi > lo else lo + 1
        n = len(pts)

        def sx(j: int, px=px, pw=pw, n=n) -> float:
            return px + (pw * (j + 0.5) / n)

        def sy(v: float, py=py, ph=ph, lo=lo, hi=hi) -> float:
            return py + ph - (v - lo) / (hi - lo) * ph * 0.9

        if i["target"] is not None:
            pdf.set_draw_color(198, 40, 40)
            pdf.set_dash_pattern(dash=1, gap=1)
            pdf.line(px, sy(i["target"]), px + pw, sy(i["target"]))
            pdf.set_dash_pattern()
        pdf.set_draw_color(21, 101, 192)
        pdf.set_fill_color(21, 101, 192)
        prev = None
        for j, (yr, v) in enumerate(pts):
            pdf.set_xy(sx(j) - 6, py + ph + 0.5)
            pdf.cell(12, 3.5, str(yr), align="C")
            if v is None:
                prev = None
                continue
            cx, cy = sx(j), sy(v)
            pdf.circle(x=cx, y=cy, radius=0.9, style="F")
            pdf.set_xy(cx - 10, cy - 4.5)
            pdf.cell(20, 3.5, fmt(v, i["decimals"]), align="C")
            if prev:
                pdf.line(prev[0], prev[1], cx, cy)
            prev = (cx, cy)
        if col == 1 or k == len(rows) - 1:
            pdf.set_y(y + h + gap_y - 4)
        else:
            pdf.set_y(y)


REPORT_TYPES = {
    "json": "application/json; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class ReportFile:
    body: bytes
    content_type: str
    filename: str
    attachment: bool

    def http_response(self) -> HttpResponse:
        """The file as a download (JSON shown inline), the same from the API and from the pages."""
        response = HttpResponse(self.body, content_type=self.content_type)
        response["Content-Disposition"] = content_disposition_header(self.attachment, self.filename) or ""
        return response


def render(*, region: Region, year: int, fmt: str) -> ReportFile:
    """The annual report of ``region`` for ``year`` as a file of format ``fmt`` (pdf, xlsx or json);
    ``ReportError`` (coded) when it cannot be made or the format is unknown."""
    if fmt not in REPORT_TYPES:
        raise ReportError("格式：应为 pdf、xlsx 或 json", code="indicator.report_format")
    data = build(region, year)
    body = {"json": to_json, "xlsx": to_xlsx, "pdf": to_pdf}[fmt](data)
    return ReportFile(
        body=body,
        content_type=REPORT_TYPES[fmt],
        filename=f"{region.name}{year}年规划实施年度报告.{fmt}",
        attachment=fmt != "json",
    )
