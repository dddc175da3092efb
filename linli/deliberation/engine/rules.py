"""议事规则: quorum, majorities and the owners' double majority of 民法典 art. 278, in plain Python.

Every threshold is a ``Threshold``: a fraction and whether the share must be strictly above it
("过半数": more than half) or may equal it ("三分之二以上": two-thirds or more — in Chinese law "以上"
includes the number itself, 《民法典》第一千二百五十九条). Comparisons are exact (integers and
``Decimal`` cross-multiplied, never floats), so a share exactly at the threshold is decided the way
the rule says, not by rounding.

The owners' double majority (业主共同决定, 《中华人民共和国民法典》第二百七十八条):

    业主共同决定事项，应当由专有部分面积占比三分之二以上的业主且人数占比三分之二以上的业主参与表决。
    决定前款第六项至第八项规定的事项，应当经参与表决专有部分面积四分之三以上的业主且参与表决人数四分
    之三以上的业主同意。决定前款其他事项，应当经参与表决专有部分面积过半数的业主且参与表决人数过半数
    的业主同意。

The items 6–8 of the article (the special class, ``SPECIAL``) are: (六) 筹集建筑物及其附属设施的维修资金;
(七) 改建、重建建筑物及其附属设施; (八) 改变共有部分的用途或者利用共有部分从事经营活动. Note that
(五) 使用建筑物及其附属设施的维修资金 — using the maintenance fund, e.g. for repairs — is an *ordinary*
matter (more than half of participating area and owners), while raising (筹集) it is special. Adding a
lift to an old building (旧楼加装电梯) is 改建 of the building: special.

Headcount follows 《最高人民法院关于审理建筑物区分所有权纠纷案件适用法律若干问题的解释》第九条: one
owner of several units counts once; area is the sum of the owner's exclusive parts (专有部分面积).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

Number = int | Decimal


@dataclass(frozen=True)
class Threshold:
    """A share of a whole: ``num/den``; ``strict`` means strictly more than (过半数), else at least (以上)."""

    num: int
    den: int
    strict: bool
    label: str

    def met(self, part: Number, whole: Number) -> bool:
        """Whether ``part`` of ``whole`` reaches the threshold; an empty whole never does."""
        if whole <= 0:
            return False
        lhs = Fraction(str(part)) * self.den
        rhs = Fraction(str(whole)) * self.num
        return lhs > rhs if self.strict else lhs >= rhs


HALF = Threshold(1, 2, True, "过半数")
TWO_THIRDS = Threshold(2, 3, False, "三分之二以上")
THREE_QUARTERS = Threshold(3, 4, False, "四分之三以上")

YES, NO, ABSTAIN, INVALID = "yes", "no", "abstain", "invalid"
CHOICES = {YES: "同意", NO: "反对", ABSTAIN: "弃权", INVALID: "废票"}

# --- quorum ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quorum:
    """法定人数: the share of members (应到) who must be present (实到, proxies included) to decide."""

    threshold: Threshold

    def check(self, *, members: int, present: int) -> Verdict:
        if present > members:
            return Verdict(False, f"实到人数 {present} 超过应到人数 {members}，请核对签到")
        ok = self.threshold.met(present, members)
        word = "达到" if ok else "未达到"
        return Verdict(ok, f"应到 {members} 人，实到 {present} 人，{word}{self.threshold.label}的法定人数")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str


# Quorum rules by body, as the local rules (村民委员会组织法 第二十二条、第二十五条 and the 居民委员会
# 组织法 practice) set them: 村(居)民会议 more than half of adult residents or two-thirds of households'
# representatives; 代表会议 two-thirds of representatives; 党员大会 more than half (实到过半数, counting
# members entitled to vote; 中国共产党支部工作条例 treats 应到会的有表决权的党员 as the base) —
# configurable per meeting, these are the defaults.
QUORUMS: dict[str, Quorum] = {
    "half": Quorum(HALF),
    "two_thirds": Quorum(TWO_THIRDS),
    "none": Quorum(Threshold(0, 1, False, "不设")),
}
QUORUM_LABELS = {"half": "过半数到会", "two_thirds": "三分之二以上到会", "none": "不设法定人数"}


# --- majorities --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """The tally of a headcount vote."""

    yes: int = 0
    no: int = 0
    abstain: int = 0
    invalid: int = 0

    @property
    def cast(self) -> int:
        return self.yes + self.no + self.abstain + self.invalid


@dataclass(frozen=True)
class MajorityRule:
    """A majority of those present (``base='present'``) or of all members (``base='members'``)."""

    code: str
    label: str
    threshold: Threshold
    base: str  # "present" | "members"

    def decide(self, counts: Counts, *, present: int, members: int) -> Verdict:
        if counts.cast > present:
            return Verdict(False, f"票数 {counts.cast} 多于实到（参与表决）人数 {present}，票数不符")
        whole = present if self.base == "present" else members
        ok = self.threshold.met(counts.yes, whole)
        of = "实到" if self.base == "present" else "应到（全体成员）"
        word = "通过" if ok else "未通过"
        return Verdict(ok, f"同意 {counts.yes} 票，占{of} {whole} 人，需{self.threshold.label}：{word}")


MAJORITIES: dict[str, MajorityRule] = {
    r.code: r
    for r in (
        MajorityRule("simple_present", "实到过半数同意", HALF, "present"),
        MajorityRule("simple_members", "全体成员过半数同意", HALF, "members"),
        MajorityRule("two_thirds_present", "实到三分之二以上同意", TWO_THIRDS, "present"),
        MajorityRule("two_thirds_members", "全体成员三分之二以上同意", TWO_THIRDS, "members"),
    )
}

# --- the owners' double majority (民法典 第二百七十八条) -------------------------------------------

ORDINARY = "art278_ordinary"
SPECIAL = "art278_special"
OWNER_RULES = {
    ORDINARY: "业主共同决定（一般事项）：参与表决面积、人数均过半数同意",
    SPECIAL: "业主共同决定（筹集维修资金、改建重建、改变共有部分用途）：参与表决面积、人数均四分之三以上同意",
}
PARTICIPATION = TWO_THIRDS
APPROVAL = {ORDINARY: HALF, SPECIAL: THREE_QUARTERS}


@dataclass(frozen=True)
class OwnerBallot:
    """One owner's ballot: the choice and the owner's exclusive area (all the owner's units in scope)."""

    choice: str
    area: Decimal


@dataclass(frozen=True)
class OwnerTally:
    total_owners: int
    total_area: Decimal
    owners: int  # participating (ballots cast, invalid included: a cast ballot is participation)
    area: Decimal
    yes_owners: int
    yes_area: Decimal
    no_owners: int = 0
    no_area: Decimal = Decimal(0)
    abstain_owners: int = 0
    abstain_area: Decimal = Decimal(0)


@dataclass(frozen=True)
class OwnerVerdict:
    passed: bool
    participation_ok: bool
    approval_by_area: bool
    approval_by_owners: bool
    reasons: list[str] = field(default_factory=list)


def owner_tally(total_owners: int, total_area: Decimal, ballots: Iterable[OwnerBallot]) -> OwnerTally:
    """Sum the ballots by headcount and by area (the tally is reproducible from the ballots alone)."""
    n = {YES: 0, NO: 0, ABSTAIN: 0, INVALID: 0}
    a = {YES: Decimal(0), NO: Decimal(0), ABSTAIN: Decimal(0), INVALID: Decimal(0)}
    for b in ballots:
        n[b.choice] += 1
        a[b.choice] += b.area
    return OwnerTally(
        total_owners=total_owners,
        total_area=total_area,
        owners=sum(n.values()),
        area=sum(a.values(), Decimal(0)),
        yes_owners=n[YES],
        yes_area=a[YES],
        no_owners=n[NO],
        no_area=a[NO],
        abstain_owners=n[ABSTAIN],
        abstain_area=a[ABSTAIN],
    )


def _m2(area: Number) -> str:
    return f"{Decimal(area):.2f}"


def _pct(part: Number, whole: Number) -> str:
    if not whole:
        return "0%"
    return f"{float(Fraction(str(part)) / Fraction(str(whole))) * 100:.2f}%"


def double_majority(t: OwnerTally, matter: str) -> OwnerVerdict:
    """民法典第二百七十八条: participation of ≥ 2/3 of the area and ≥ 2/3 of the owners, then approval by
    both area and headcount of the *participating* owners at the matter's threshold."""
    if t.owners > t.total_owners or t.area > t.total_area:
        return OwnerVerdict(
            False, False, False, False, ["参与表决的业主人数或面积超过业主名册合计，票数不符"]
        )
    approval = APPROVAL[matter]
    part_area = PARTICIPATION.met(t.area, t.total_area)
    part_owners = PARTICIPATION.met(t.owners, t.total_owners)
    reasons = [
        f"参与表决面积 {_m2(t.area)}㎡，占总面积 {_m2(t.total_area)}㎡ 的 {_pct(t.area, t.total_area)}"
        f"（需三分之二以上）：{'达到' if part_area else '未达到'}",
        f"参与表决业主 {t.owners} 人，占业主总人数 {t.total_owners} 人的 {_pct(t.owners, t.total_owners)}"
        f"（需三分之二以上）：{'达到' if part_owners else '未达到'}",
    ]
    by_area = approval.met(t.yes_area, t.area)
    by_owners = approval.met(t.yes_owners, t.owners)
    reasons += [
        f"同意面积 {_m2(t.yes_area)}㎡，占参与表决面积的 {_pct(t.yes_area, t.area)}"
        f"（需{approval.label}）：{'达到' if by_area else '未达到'}",
        f"同意业主 {t.yes_owners} 人，占参与表决人数的 {_pct(t.yes_owners, t.owners)}"
        f"（需{approval.label}）：{'达到' if by_owners else '未达到'}",
    ]
    participation = part_area and part_owners
    return OwnerVerdict(participation and by_area and by_owners, participation, by_area, by_owners, reasons)


# --- proxies -----------------------------------------------------------------------------------

DEFAULT_PROXY_LIMIT = 1  # many 村民代表会议 rules: one representative may hold at most one proxy


def proxy_allowed(*, held: int, limit: int) -> Verdict:
    """Whether a holder who already holds ``held`` proxies may take one more under ``limit``."""
    if held >= limit:
        return Verdict(False, f"每人最多接受 {limit} 人委托，此人已接受 {held} 人委托")
    return Verdict(True, "")


def counts_add_up(*, yes: int, no: int, abstain: int, invalid: int, collected: int) -> Verdict:
    """A paper or show-of-hands count adds up: the choices sum to the ballots collected."""
    if min(yes, no, abstain, invalid, collected) < 0:
        return Verdict(False, "票数不能为负数")
    total = yes + no + abstain + invalid
    if total != collected:
        return Verdict(False, f"同意、反对、弃权、废票合计 {total} 张，与收回票数 {collected} 张不符")
    return Verdict(True, "")
