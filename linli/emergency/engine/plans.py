"""应急预案 as data: per hazard, the response levels Ⅳ (一般, 蓝) … Ⅰ (特别重大, 红) and the actions each
level starts, for whom, within how many minutes.

Levels are cumulative, as community plans are written: a level in force runs its own actions and those
of every lower level; an action listed again at a higher level (same ``key``) replaces the lower one there
(e.g. 信息报送 once a day at Ⅳ, every hour at Ⅰ). ``actions_on_step`` turns a declaration, a raise, a
lowering or an end into what starts and what is cancelled; ``validate_plan`` checks a plan a community
edited (a dict, as stored in JSON) and names the field that is wrong; ``plan_as_dict`` is its inverse.
``DEFAULT_PLANS`` holds the plans a community starts from: 台风, 洪涝, 火灾, 地震, 传染病疫情, 地质灾害.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

LEVELS = ("I", "II", "III", "IV")  # Ⅰ highest
LEVEL_ZH = {"I": "Ⅰ级（特别重大）", "II": "Ⅱ级（重大）", "III": "Ⅲ级（较大）", "IV": "Ⅳ级（一般）"}
LEVEL_COLOUR = {"I": "红色", "II": "橙色", "III": "黄色", "IV": "蓝色"}
# CAP severity → the response level it usually calls for (a suggestion; people declare the level)
SEVERITY_LEVEL = {"Extreme": "I", "Severe": "II", "Moderate": "III", "Minor": "IV"}
WHO = {
    "grid_team": "网格团队",
    "unit": "最小应急单元",
    "info_officer": "灾害信息员",
    "volunteers": "志愿者",
    "community_staff": "社区工作人员",
    "street_staff": "街道工作人员",
}
HAZARDS = {
    "typhoon": "台风",
    "flood": "洪涝",
    "fire": "火灾",
    "earthquake": "地震",
    "epidemic": "传染病疫情",
    "landslide": "地质灾害",
}
# words in a warning's event (CAP <event>, a typed title) → hazard, first match wins
_HAZARD_WORDS = [
    ("typhoon", ("台风", "热带风暴", "typhoon", "tropical storm")),
    ("flood", ("暴雨", "洪", "内涝", "涝", "强降雨", "rain", "flood")),
    ("landslide", ("滑坡", "泥石流", "崩塌", "地质", "landslide", "debris")),
    ("earthquake", ("地震", "earthquake")),
    ("fire", ("火", "fire")),
    ("epidemic", ("疫", "传染", "epidemic", "outbreak")),
]
MAX_DUE_MINUTES = 7 * 24 * 60
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_ACTION_FIELDS = {"key", "title", "who", "due_minutes", "description"}


class PlanError(ValueError):
    """A plan refused: ``field`` where (``levels.III[2].who``), ``message`` why, in Chinese."""

    code = "emergency.plan_invalid"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}：{message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class Action:
    """预案措施: what a level starts, for whom (one of ``WHO``), due so many minutes after it starts."""

    key: str
    title_zh: str
    who: str
    due_minutes: int
    description: str = ""

    @property
    def who_zh(self) -> str:
        return WHO[self.who]


@dataclass(frozen=True)
class Plan:
    """应急预案 for one hazard: the actions each level adds (``levels`` keys among ``LEVELS``)."""

    hazard: str
    title: str
    levels: dict[str, list[Action]]

    @property
    def hazard_zh(self) -> str:
        return HAZARDS[self.hazard]


def rank(level: str) -> int:
    """Ⅳ → 1 … Ⅰ → 4: a higher rank is a graver response."""
    return 4 - LEVELS.index(level)


def in_force(plan: Plan, level: str | None) -> dict[str, Action]:
    """The actions running while ``level`` is declared: its own and every lower level's (key → action)."""
    out: dict[str, Action] = {}
    if level is None:
        return out
    for lv in reversed(LEVELS[LEVELS.index(level) :]):  # Ⅳ first, so a graver level overrides
        for a in plan.levels.get(lv, []):
            out[a.key] = a
    return out


def step_kind(old: str | None, new: str | None) -> str:
    """ "declare" | "raise" | "lower" | "end"; ``PlanError`` when nothing changes or levels are unknown."""
    for name, lv in (("old_level", old), ("new_level", new)):
        if lv is not None and lv not in LEVELS:
            raise PlanError(name, f"响应级别应为 {'、'.join(LEVELS)} 之一，而不是“{lv}”")
    if old == new:
        raise PlanError("new_level", "响应级别没有变化" if old else "尚未启动响应，无法结束")
    if old is None:
        return "declare"
    if new is None:
        return "end"
    return "raise" if rank(new) > rank(old) else "lower"


STEP_ZH = {"declare": "启动", "raise": "提升", "lower": "降低", "end": "终止"}


def actions_on_step(
    plan: Plan, old_level: str | None, new_level: str | None
) -> tuple[list[Action], list[Action]]:
    """(start, stop) when the response goes from ``old_level`` to ``new_level`` (``None`` = no response).

    Declaring starts everything in force at the level; raising starts what the higher levels add or
    redefine; lowering cancels those again (and restarts a lower definition a higher one had replaced);
    ending cancels all. Each list keeps the plan's order (lower levels first)."""
    step_kind(old_level, new_level)
    old, new = in_force(plan, old_level), in_force(plan, new_level)
    start = [a for k, a in new.items() if old.get(k) != a]
    stop = [a for k, a in old.items() if new.get(k) != a]
    return start, stop


def hazard_of(event: str) -> str | None:
    """The hazard a warning's event names (``"台风橙色预警"`` → ``"typhoon"``), or ``None``."""
    text = event.lower()
    for hazard, words in _HAZARD_WORDS:
        if any(w in text for w in words):
            return hazard
    return None


# ---------------------------------------------------------------- validation


def _need(ok: bool, field: str, message: str) -> None:
    if not ok:
        raise PlanError(field, message)


def _text(value: Any, field: str, label: str, max_len: int, *, required: bool = True) -> str:
    _need(value is None or isinstance(value, str), field, f"{label}应为文字")
    text = (value or "").strip()
    _need(bool(text) or not required, field, f"{label}不能为空")
    _need(len(text) <= max_len, field, f"{label}最多 {max_len} 个字")
    return text


def _action(raw: Any, where: str) -> Action:
    _need(isinstance(raw, dict), where, "每项措施应为一个对象（key、title、who、due_minutes）")
    unknown = sorted(set(raw) - _ACTION_FIELDS)
    _need(
        not unknown,
        f"{where}.{unknown[0] if unknown else ''}",
        f"未知的字段“{unknown[0] if unknown else ''}”",
    )
    key = raw.get("key")
    _need(
        isinstance(key, str) and bool(_KEY.match(key)),
        f"{where}.key",
        "措施编码应为小写字母开头的字母、数字、下划线（最多 40 位）",
    )
    who = raw.get("who")
    _need(who in WHO, f"{where}.who", f"责任人应为 {'、'.join(WHO.values())} 之一")
    due = raw.get("due_minutes")
    _need(
        isinstance(due, int) and not isinstance(due, bool) and 1 <= due <= MAX_DUE_MINUTES,
        f"{where}.due_minutes",
        f"完成时限应为 1–{MAX_DUE_MINUTES} 分钟（最多 7 天）",
    )
    return Action(
        key=key,
        title_zh=_text(raw.get("title"), f"{where}.title", "措施名称", 40),
        who=who,
        due_minutes=due,
        description=_text(raw.get("description"), f"{where}.description", "措施说明", 300, required=False),
    )


def validate_plan(raw: Any) -> Plan:
    """A plan from its dict (``{"hazard", "title", "levels": {"III": [action, …]}}``), or ``PlanError``."""
    _need(isinstance(raw, dict), "plan", "预案应为一个对象")
    hazard = raw.get("hazard")
    _need(hazard in HAZARDS, "hazard", f"灾种应为 {'、'.join(HAZARDS.values())} 之一")
    title = _text(raw.get("title"), "title", "预案名称", 60)
    levels_raw = raw.get("levels")
    _need(isinstance(levels_raw, dict) and bool(levels_raw), "levels", "预案至少要有一个响应级别")
    levels: dict[str, list[Action]] = {}
    for lv in LEVELS:  # stored in order Ⅰ … Ⅳ whatever the input's order
        if lv not in levels_raw:
            continue
        items = levels_raw[lv]
        _need(isinstance(items, list) and bool(items), f"levels.{lv}", f"{LEVEL_ZH[lv]}至少要有一项措施")
        actions = [_action(item, f"levels.{lv}[{i}]") for i, item in enumerate(items, 1)]
        seen: set[str] = set()
        for i, a in enumerate(actions, 1):
            _need(a.key not in seen, f"levels.{lv}[{i}].key", f"同一级别中措施编码“{a.key}”重复")
            seen.add(a.key)
        levels[lv] = actions
    unknown = sorted(set(levels_raw) - set(LEVELS))
    _need(not unknown, f"levels.{unknown[0] if unknown else ''}", f"响应级别应为 {'、'.join(LEVELS)} 之一")
    return Plan(hazard=hazard, title=title, levels=levels)


def carry_keys(previous: Plan | None, levels_raw: Any) -> Any:
    """``levels_raw`` (a plan's ``levels`` as edited, actions possibly without ``key``) with every
    missing key filled so that an edit never renames an action: a line kept or edited keeps the key of
    the action it was, a new line gets a new key. A running response finds its tasks by these keys, so
    a renamed key would cancel the wrong tasks on a level change.

    Matching, for the actions without a key: the same title at the same level; then the same title at
    another level (a line moved); then, level by level in order, an unmatched earlier action that looks
    like it (same responsible party or a similar title) — an edited line. Anything left is new:
    ``a<n>`` past the highest such key used. Keys given are kept (the API may send them)."""
    if not isinstance(levels_raw, dict):
        return levels_raw
    old = [(lv, a) for lv in LEVELS for a in (previous.levels.get(lv, []) if previous else [])]
    given = {
        item["key"]
        for items in levels_raw.values()
        if isinstance(items, list)
        for item in items
        if isinstance(item, dict) and isinstance(item.get("key"), str)
    }
    used: set[int] = {i for i, (_, a) in enumerate(old) if a.key in given}
    out: dict[str, Any] = {}
    todo: list[tuple[str, dict[str, Any]]] = []
    for lv, items in levels_raw.items():
        if not isinstance(items, list):
            out[lv] = items
            continue
        out[lv] = [dict(item) if isinstance(item, dict) else item for item in items]
        todo += [(lv, item) for item in out[lv] if isinstance(item, dict) and not item.get("key")]

    def taken(lv: str) -> set[str]:
        return {str(i["key"]) for i in out.get(lv, []) if isinstance(i, dict) and i.get("key")}

    def similar(a: Action, item: dict[str, Any]) -> bool:
        title = str(item.get("title") or "")
        same_who = a.who == item.get("who")
        return same_who or SequenceMatcher(None, a.title_zh, title).ratio() >= 0.5

    passes = (
        lambda olv, a, lv, item: olv == lv and a.title_zh == str(item.get("title") or "").strip(),
        lambda olv, a, lv, item: a.title_zh == str(item.get("title") or "").strip(),
        lambda olv, a, lv, item: olv == lv and similar(a, item),
    )
    for match in passes:
        for lv, item in todo:
            if item.get("key"):
                continue
            for i, (olv, a) in enumerate(old):
                if i not in used and a.key not in taken(lv) and match(olv, a, lv, item):
                    item["key"] = a.key
                    used.add(i)
                    break
    numbers = [int(k[1:]) for k in given | {a.key for _, a in old} if re.fullmatch(r"a\d{1,9}", k)]
    n = max(numbers, default=0)
    for _lv, item in todo:
        if not item.get("key"):
            n += 1
            item["key"] = f"a{n}"
    return out


def plan_as_dict(plan: Plan) -> dict[str, Any]:
    """The plan as JSON-able data that ``validate_plan`` reads back to an equal plan."""
    return {
        "hazard": plan.hazard,
        "title": plan.title,
        "levels": {
            lv: [
                {"key": a.key, "title": a.title_zh, "who": a.who, "due_minutes": a.due_minutes}
                | ({"description": a.description} if a.description else {})
                for a in actions
            ]
            for lv, actions in plan.levels.items()
        },
    }


# ---------------------------------------------------------------- the default plans

H = 60  # minutes in an hour, for the deadlines below


def _a(key: str, title: str, who: str, due: int, description: str) -> dict[str, Any]:
    return {"key": key, "title": title, "who": who, "due_minutes": due, "description": description}


def _report(every: str, due: int) -> dict[str, Any]:
    return _a(
        "info_report", "信息报送", "info_officer", due, f"灾害信息员向街道报告社区受影响和处置情况，{every}"
    )


def _check_vulnerable(due: int) -> dict[str, Any]:
    return _a(
        "check_vulnerable",
        "逐户排查独居老人等重点人员",
        "grid_team",
        due,
        "按重点人员清单逐户联系独居老人、失能卧床、残疾人、孕产妇和婴幼儿家庭，确认安全、告知避险，需帮助的立即上报",
    )


def _open_shelters(due: int) -> dict[str, Any]:
    return _a(
        "open_shelters",
        "开放避难场所",
        "community_staff",
        due,
        "开放就近应急避难场所，备好床铺、饮水、照明和药品，安排专人值守并登记入住人员",
    )


def _supplies(due: int) -> dict[str, Any]:
    return _a(
        "supplies_dispatch", "物资调拨", "street_staff", due, "街道向受影响社区调拨食品、饮水、药品和救生器材"
    )


_DEFAULTS: list[dict[str, Any]] = [
    {
        "hazard": "typhoon",
        "title": "社区防台风应急预案",
        "levels": {
            "IV": [
                _report("每日一次", 2 * H),
                _a(
                    "notify_residents",
                    "发布防台提示",
                    "community_staff",
                    H,
                    "通过应急广播、居民群、楼栋长转发预警和防御指引",
                ),
                _a(
                    "patrol_low_lying",
                    "巡查低洼地带",
                    "grid_team",
                    3 * H,
                    "巡查低洼易涝点、危房、广告牌、在建工地，隐患登记上报",
                ),
                _a(
                    "count_supplies",
                    "清点应急物资",
                    "community_staff",
                    4 * H,
                    "清点沙袋、照明、救生衣、食品饮水，缺口报街道",
                ),
            ],
            "III": [
                _report("每 4 小时一次", H),
                _check_vulnerable(4 * H),
                _open_shelters(3 * H),
                _a(
                    "units_standby",
                    "最小应急单元集结待命",
                    "unit",
                    2 * H,
                    "单元负责人清点成员，保持通讯畅通，随时听从调遣",
                ),
                _a(
                    "secure_objects",
                    "协助加固易坠物",
                    "volunteers",
                    4 * H,
                    "协助居民加固门窗、搬移阳台花盆、清理排水口",
                ),
            ],
            "II": [
                _report("每 2 小时一次", 30),
                _a(
                    "evacuate_danger",
                    "转移危险区域人员",
                    "grid_team",
                    2 * H,
                    "组织危房、低洼地带、工棚人员转移到避难场所，应转尽转",
                ),
                _a(
                    "stop_outdoor",
                    "停止户外活动",
                    "community_staff",
                    H,
                    "通知停止集会、户外作业，关闭公园、广场等户外场所",
                ),
                _supplies(3 * H),
                _a(
                    "shelter_support",
                    "志愿者支援避难场所",
                    "volunteers",
                    3 * H,
                    "协助避难场所登记、分发物资、照顾老人儿童",
                ),
            ],
            "I": [
                _report("每小时一次", 30),
                _a(
                    "evacuate_all",
                    "全面转移受威胁人员",
                    "grid_team",
                    H,
                    "对受威胁区域逐户清点，确保人员全部转移并登记去向",
                ),
                _a(
                    "stay_indoors",
                    "通知居民留在室内",
                    "community_staff",
                    30,
                    "除应急人员外不得外出，远离门窗",
                ),
                _a(
                    "street_duty",
                    "街道干部驻点值守",
                    "street_staff",
                    H,
                    "街道领导到社区坐镇指挥，24 小时值班",
                ),
            ],
        },
    },
    {
        "hazard": "flood",
        "title": "社区防汛（暴雨洪涝）应急预案",
        "levels": {
            "IV": [
                _report("每日一次", 2 * H),
                _a(
                    "clear_drains", "疏通排水设施", "grid_team", 4 * H, "检查并疏通雨水井、排水沟，清理堵塞物"
                ),
                _a(
                    "notify_residents",
                    "发布防汛提示",
                    "community_staff",
                    H,
                    "提醒居民远离河道、低洼地带，车辆移出地下车库",
                ),
            ],
            "III": [
                _report("每 4 小时一次", H),
                _a("sandbags", "封堵地下空间", "unit", 3 * H, "在地下车库、地下室出入口堆放沙袋、挡水板"),
                _check_vulnerable(4 * H),
                _open_shelters(3 * H),
            ],
            "II": [
                _report("每 2 小时一次", 30),
                _a(
                    "evacuate_low_lying",
                    "转移低洼地带人员",
                    "grid_team",
                    2 * H,
                    "组织低洼地带、一楼住户和地下室住户转移到避难场所",
                ),
                _a("cut_power", "切断地下空间电源", "unit", H, "配合物业切断进水地下空间电源，设置警示"),
                _supplies(3 * H),
            ],
            "I": [
                _report("每小时一次", 30),
                _a(
                    "evacuate_all",
                    "全面转移受威胁人员",
                    "grid_team",
                    H,
                    "逐户清点受威胁区域人员，全部转移并登记去向",
                ),
                _a(
                    "street_duty",
                    "街道干部驻点值守",
                    "street_staff",
                    H,
                    "街道领导到社区坐镇指挥，24 小时值班",
                ),
            ],
        },
    },
    {
        "hazard": "fire",
        "title": "社区消防安全应急预案",
        "levels": {
            "IV": [
                _a(
                    "fire_patrol",
                    "防火巡查",
                    "grid_team",
                    4 * H,
                    "巡查楼道堆物、电动车违规充电、消防通道占用",
                ),
                _a("station_duty", "微型消防站值守", "unit", H, "微型消防站队员到岗，检查器材"),
            ],
            "III": [
                _report("每 4 小时一次", H),
                _a(
                    "clear_passages",
                    "清理消防通道",
                    "volunteers",
                    3 * H,
                    "清理楼道杂物，劝离占用消防通道的车辆",
                ),
                _check_vulnerable(4 * H),
            ],
            "II": [
                _report("每 2 小时一次", 30),
                _a(
                    "evacuate_building",
                    "疏散楼栋居民",
                    "unit",
                    30,
                    "按疏散路线组织楼栋居民撤离到安全地带并清点人数",
                ),
                _a(
                    "guide_rescue",
                    "引导消防救援",
                    "grid_team",
                    30,
                    "为消防车辆引路，提供楼栋、水源和被困人员信息",
                ),
            ],
            "I": [
                _report("每小时一次", 30),
                _open_shelters(2 * H),
                _supplies(3 * H),
                _a("street_duty", "街道干部驻点值守", "street_staff", H, "街道领导到现场协调安置受灾群众"),
            ],
        },
    },
    {
        "hazard": "earthquake",
        "title": "社区地震应急预案",
        "levels": {
            "IV": [
                _report("震后 1 小时内首报", H),
                _a(
                    "check_buildings",
                    "排查房屋受损",
                    "grid_team",
                    3 * H,
                    "排查房屋裂缝、墙体脱落、燃气泄漏，危险楼栋设警示",
                ),
            ],
            "III": [
                _check_vulnerable(2 * H),
                _open_shelters(2 * H),
                _a(
                    "calm_residents",
                    "安抚群众",
                    "volunteers",
                    2 * H,
                    "在避难场所和空旷地带安抚居民，发放饮水",
                ),
            ],
            "II": [
                _report("每 2 小时一次", 30),
                _a(
                    "search_rescue",
                    "搜救被困人员",
                    "unit",
                    30,
                    "最小应急单元按楼栋搜寻被困人员，配合专业救援",
                ),
                _a(
                    "evacuate_all", "疏散转移居民", "grid_team", H, "组织危险楼栋居民撤离到避难场所并登记去向"
                ),
                _supplies(3 * H),
            ],
            "I": [
                _report("每小时一次", 30),
                _a("transfer_injured", "伤员转运", "community_staff", H, "登记伤员，联系医疗机构转运"),
                _a(
                    "street_duty",
                    "街道干部驻点值守",
                    "street_staff",
                    H,
                    "街道领导到社区坐镇指挥，24 小时值班",
                ),
            ],
        },
    },
    {
        "hazard": "epidemic",
        "title": "社区突发传染病疫情应急预案",
        "levels": {
            "IV": [
                _report("每日一次", 4 * H),
                _a(
                    "health_notice",
                    "健康宣传",
                    "community_staff",
                    4 * H,
                    "发布防护知识，提醒出现症状及时就医",
                ),
            ],
            "III": [
                _check_vulnerable(24 * H),
                _a(
                    "disinfect", "公共区域消杀", "volunteers", 8 * H, "对电梯、楼道扶手、垃圾站等公共区域消毒"
                ),
            ],
            "II": [
                _report("每 4 小时一次", H),
                _a(
                    "door_services",
                    "上门送药送餐",
                    "volunteers",
                    12 * H,
                    "为隔离、独居、行动不便居民送药送餐",
                ),
                _a("entry_control", "出入口管理", "grid_team", 4 * H, "小区出入口设置检查点，登记外来人员"),
                _supplies(12 * H),
            ],
            "I": [
                _report("每 2 小时一次", H),
                _a(
                    "mass_testing",
                    "配合大规模检测",
                    "community_staff",
                    12 * H,
                    "组织居民分楼栋错峰检测，上门为行动不便者采样",
                ),
                _a(
                    "street_duty",
                    "街道干部驻点值守",
                    "street_staff",
                    2 * H,
                    "街道领导到社区坐镇指挥，24 小时值班",
                ),
            ],
        },
    },
    {
        "hazard": "landslide",
        "title": "社区地质灾害（滑坡、泥石流）应急预案",
        "levels": {
            "IV": [
                _a(
                    "watch_points",
                    "隐患点监测",
                    "info_officer",
                    2 * H,
                    "群测群防员观测隐患点裂缝、渗水、落石变化并报告",
                ),
                _a(
                    "patrol_slopes",
                    "巡查边坡",
                    "grid_team",
                    4 * H,
                    "巡查房前屋后边坡、挡土墙，发现异常立即上报",
                ),
            ],
            "III": [
                _report("每 4 小时一次", H),
                _check_vulnerable(4 * H),
                _a(
                    "prepare_evacuation",
                    "做好撤离准备",
                    "unit",
                    2 * H,
                    "通知隐患点周边住户准备撤离，明确撤离路线和集合点",
                ),
            ],
            "II": [
                _report("每 2 小时一次", 30),
                _a(
                    "evacuate_danger",
                    "转移隐患点周边人员",
                    "grid_team",
                    H,
                    "组织隐患点影响范围内住户转移到避难场所",
                ),
                _open_shelters(2 * H),
                _a("cordon", "设置警戒", "volunteers", H, "在危险区域设置警戒线和警示牌，劝阻人员车辆进入"),
            ],
            "I": [
                _report("每小时一次", 30),
                _supplies(3 * H),
                _a(
                    "street_duty",
                    "街道干部驻点值守",
                    "street_staff",
                    H,
                    "街道领导到社区坐镇指挥，24 小时值班",
                ),
            ],
        },
    },
]

DEFAULT_PLANS: dict[str, Plan] = {p.hazard: p for p in (validate_plan(d) for d in _DEFAULTS)}
