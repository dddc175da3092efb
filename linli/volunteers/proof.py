"""志愿服务证明 as a PDF (fpdf2, with the CJK font the annual report uses).

The fields follow 民政部《志愿服务记录与证明出具办法（试行）》(2021-02-01): the volunteer's basic
information (name, volunteer number), the service (period, total hours, number of records, the most
recent activities), training, commendations and evaluations, the issuing unit and date, the serial
number and a verification code anyone can check on the public page.
"""

from __future__ import annotations

from django.urls import reverse

from linli.indicators.report import find_cjk_font
from linli.volunteers.models import Proof, ServiceRecord, VolunteerNote


def render(proof: Proof, *, verify_url: str = "") -> bytes:
    from fpdf import FPDF  # the PDF library loads only when a proof is downloaded
    from fpdf.enums import WrapMode

    path, face = find_cjk_font()
    v = proof.volunteer
    person = v.person
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_font("cjk", fname=path, collection_font_number=face)
    pdf.add_page()
    pdf.set_font("cjk", size=20)
    pdf.cell(0, 14, "志愿服务证明", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    pdf.cell(0, 6, f"证明编号：{proof.serial}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("cjk", size=12)
    period = (
        f"{proof.period_from:%Y年%m月%d日}至{proof.period_to:%Y年%m月%d日}"
        if proof.period_from
        else f"截至{proof.period_to:%Y年%m月%d日}"
    )
    pdf.multi_cell(
        0,
        8,
        f"兹证明 {person.name}（志愿者编号 {v.number}）为{v.region.name}注册志愿者，"
        f"{period}，经志愿服务组织确认的志愿服务时长累计 {proof.hours} 小时，服务记录 {proof.records} 条。",
        new_x="LMARGIN",
        new_y="NEXT",
        wrapmode=WrapMode.CHAR,
    )
    pdf.ln(3)

    def heading(text: str) -> None:
        pdf.set_font("cjk", size=12)
        pdf.cell(0, 9, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=10)

    heading("一、个人基本信息")
    pdf.cell(
        0,
        7,
        f"姓名：{person.name}    性别：{person.get_sex_display()}    注册时间：{v.registered_at:%Y年%m月%d日}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.cell(
        0,
        7,
        f"所属社区：{v.region.name}    技能：{'、'.join(v.skills) or '—'}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    heading("二、志愿服务情况（最近 15 条）")
    rows = ServiceRecord.objects.filter(
        volunteer=v, corrected_by__isnull=True, hours__gt=0, started_at__date__lte=proof.period_to
    ).order_by("-started_at")[:15]
    for r in rows:
        pdf.cell(
            0,
            6.5,
            f"{r.started_at:%Y-%m-%d}  {r.content[:36]}  {r.hours} 小时",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    notes = list(VolunteerNote.objects.filter(volunteer=v).order_by("kind", "-on"))
    for i, (kind, label) in enumerate(
        [("training", "培训情况"), ("award", "表彰奖励情况"), ("evaluation", "评价情况")], 3
    ):
        heading(f"{'一二三四五六'[i - 1]}、{label}")
        mine = [n for n in notes if n.kind == kind]
        if not mine:
            pdf.cell(0, 6.5, "无", new_x="LMARGIN", new_y="NEXT")
        for n in mine[:6]:
            pdf.cell(0, 6.5, f"{n.on:%Y-%m-%d}  {n.title}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 8, f"出具单位：{proof.issuer}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, f"出具日期：{proof.issued_at:%Y年%m月%d日}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("cjk", size=9)
    pdf.multi_cell(
        0,
        6,
        f"验证码：{proof.verify_code}    查验：{verify_url or reverse('volunteers:verify')}（输入验证码即可核验，无需登录）\n"
        "依据民政部《志愿服务记录与证明出具办法（试行）》出具。",
        new_x="LMARGIN",
        new_y="NEXT",
        wrapmode=WrapMode.CHAR,
    )
    return bytes(pdf.output())
