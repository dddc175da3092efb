"""Files, visits, the visit rate by hand, 政策找人 and referrals, with bad input refused whole."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from linli.care import selectors, services
from linli.care.models import (
    Alert,
    AlertStatus,
    CareFile,
    CareMembership,
    CareRule,
    Referral,
    Visit,
    VisitPhoto,
    VisitStatus,
)
from linli.care.tests.conftest import Care
from linli.core.errors import error_code
from linli.core.models import AuditLog
from linli.core.roles import Role
from linli.core.scope import OutOfScope
from linli.registry.services import person_tag_add, person_tag_end
from linli.services.models import Application, Need
from linli.testing.factories import UserFactory

TZ = ZoneInfo("Asia/Shanghai")
NOV = dt.date(2026, 11, 1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def jpeg() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 100, 50)).save(buf, "JPEG")
    return SimpleUploadedFile("门口.jpg", buf.getvalue(), content_type="image/jpeg")


def test_evaluation_opens_files_with_the_reason_and_raises_alerts(care: Care) -> None:
    result = services.care_evaluate(day=NOV)
    granny = CareFile.objects.get(person=care.granny)
    reasons = dict(CareMembership.objects.filter(file=granny).values_list("rule__code", "reason"))
    assert reasons["special_elderly"] == "82 岁，独居（同户无其他在册成员），低保"
    assert reasons["elderly_80"] == "82 岁"
    assert reasons["tekun_elderly"] == "82 岁，独居（同户无其他在册成员），低保"
    child = CareFile.objects.get(person=care.child)
    assert list(child.memberships.values_list("rule__code", flat=True)) == ["left_behind_child"]
    assert not CareFile.objects.filter(person=care.grandpa).exists()  # 66, lives with a child
    alerts = set(Alert.objects.values_list("file__person__name", "rule__policy_label"))
    # 苏阿婆 (88, standard world) lives with nobody recorded: no household, so only the age rule
    assert alerts == {("王阿婆", "高龄津贴"), ("王阿婆", "特困人员救助供养"), ("苏阿婆", "高龄津贴")}
    assert result.alerts == 3
    again = services.care_evaluate(day=NOV)  # safe to rerun: nothing new
    assert (again.opened, again.alerts, again.ended) == (0, 0, 0)


def test_alerts_are_the_communitys_to_check_and_one_line_per_policy_above_it(care: Care) -> None:
    from linli.care import todo

    services.care_evaluate(day=NOV)
    a = care.world.accounts
    mine = [i for i in todo.alert_items(a.community_worker) if i.kind == "政策找人"]
    assert len(mine) == 2 and all(i.state == "待核实" for i in mine)  # each of 王阿婆's, to check
    street = {i.title for i in todo.alert_items(a.street_coordinator)}
    assert street == {"1 人可能符合特困人员救助供养，待社区核实", "1 人可能符合高龄津贴，待社区核实"}
    district = todo.alert_items(a.district_admin)  # 苏阿婆 too: the most waiting first
    assert [(i.title, i.count, i.state) for i in district] == [
        ("2 人可能符合高龄津贴，待社区核实", 2, "待督促"),
        ("1 人可能符合特困人员救助供养，待社区核实", 1, "待督促"),
    ]
    # the lines are the kept count (AlertCount): a dismissal takes its alert off at once
    alert = Alert.objects.get(file__person=care.granny, rule__policy_label="特困人员救助供养")
    services.alert_dismiss(actor=a.community_worker, alert=alert, reason="已在户籍地领取")
    assert [i.title for i in todo.alert_items(a.district_admin)] == ["2 人可能符合高龄津贴，待社区核实"]
    town = UserFactory.create(username="town", role=Role.STREET_COORDINATOR, region=care.world.tree.town)
    # 罗溪镇's scope: only 苏阿婆's (王阿婆 lives in 万安街道), as its alerts list reads
    assert [i.count for i in todo.alert_items(town)] == [selectors.open_alerts(town).count()] == [1]


def test_leaving_every_group_closes_the_file_with_the_reason(care: Care) -> None:
    services.care_evaluate(day=NOV)
    tag = care.child.tags.get()
    person_tag_end(by=care.world.accounts.community_worker, tag=tag, valid_to=dt.date(2026, 11, 20))
    services.care_evaluate(day=dt.date(2026, 11, 21))
    f = CareFile.objects.get(person=care.child)
    assert f.closed_on == dt.date(2026, 11, 21)
    assert f.closing_reason == "不再符合“留守儿童”条件"
    assert f.memberships.get().until == dt.date(2026, 11, 21)  # kept, not deleted


def test_visits_go_to_the_grid_worker_and_the_child_director(care: Care) -> None:
    services.care_evaluate(day=NOV)
    assert services.visits_generate(day=NOV) == 3  # special_elderly ×2 (monthly) + left_behind_child
    assert services.visits_generate(day=NOV) == 0
    granny = Visit.objects.get(file__person=care.granny)
    assert granny.assigned_to == care.world.accounts.grid_worker
    assert (granny.period_start, granny.due_on) == (NOV, dt.date(2026, 11, 30))
    assert Visit.objects.get(file__person=care.child).assigned_to == care.child_director
    mine = selectors.my_visits(care.world.accounts.grid_worker, NOV)
    assert [v.file.person.name for v in mine] == ["王阿婆"]


def test_record_a_visit_with_photo_and_need(care: Care) -> None:
    services.care_evaluate(day=NOV)
    services.visits_generate(day=NOV)
    visit = Visit.objects.get(file__person=care.granny)
    worker = care.world.accounts.grid_worker
    now = at(dt.date(2026, 11, 12), 15)
    with pytest.raises(ValidationError) as err:  # dated in the future
        services.visit_record(actor=worker, visit=visit, visited_at=at(dt.date(2026, 11, 13)), now=now)
    assert error_code(err.value) == "care.visit_in_future"
    with pytest.raises(OutOfScope):  # another community's worker
        services.visit_record(actor=care.world.accounts.community_worker_b, visit=visit, now=now)
    with pytest.raises(ValidationError) as err:
        services.visit_record(actor=worker, visit=visit, answers={"存款": "正常"}, now=now)
    assert error_code(err.value) == "care.visit_answer_unknown"
    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.DUE  # nothing half-written
    done = services.visit_record(
        actor=worker,
        visit=visit,
        visited_at=at(dt.date(2026, 11, 12)),
        lat=24.96,
        lon=118.67,
        answers={"人身安全": "正常", "生活照料": "需关注"},
        note="腿脚不便，希望有人送餐",
        photos=[jpeg()],
        next_visit_on=dt.date(2026, 12, 10),
        need_category="elderly_meal",
        need_description="希望每天送午餐上门",
        now=now,
    )
    assert done.status == VisitStatus.DONE and done.recorded_by == worker
    assert VisitPhoto.objects.filter(visit=done).count() == 1
    need = Need.objects.get(person=care.granny)
    assert need.source == "visit" and need.category.code == "elderly_meal"
    ref = Referral.objects.get(visit=done)
    assert (ref.kind, ref.target_id, ref.outcome) == ("need", need.pk, "")
    with pytest.raises(ValidationError) as err:
        services.visit_record(actor=worker, visit=visit, now=now)
    assert error_code(err.value) == "care.visit_already_done"


def test_monthly_rate_by_hand_across_a_month_boundary_with_a_mid_month_joiner(care: Care) -> None:
    """November: granny owed from the 1st, a new 80-year-old joins on the 15th; only granny is
    visited → 1 of 2 = 50 %. December: both owed, both visited → 100 %; the missed November visit stays
    overdue."""
    from linli.testing.factories import HouseholdFactory, PersonFactory

    root = care.world.tree.community_a.code
    worker = care.world.accounts.grid_worker
    services.care_evaluate(day=NOV)
    services.visits_generate(day=NOV)
    newcomer = PersonFactory.create(
        name="赵老伯",
        birth_date=dt.date(1946, 11, 15),
        household=HouseholdFactory.create(region=care.world.tree.grid_a1),
    )
    services.care_evaluate(day=dt.date(2026, 11, 15))
    assert CareMembership.objects.get(file__person=newcomer, rule__code="special_elderly").since == dt.date(
        2026, 11, 15
    )
    services.visits_generate(day=dt.date(2026, 11, 15))
    granny_nov = Visit.objects.get(file__person=care.granny, rule__code="special_elderly")
    services.visit_record(
        actor=worker,
        visit=granny_nov,
        visited_at=at(dt.date(2026, 11, 20)),
        now=at(dt.date(2026, 11, 20), 12),
    )
    # the newcomer's, the child's and 苏阿婆's (community C)
    assert services.visits_mark_overdue(today=dt.date(2026, 12, 1)) == 3
    services.visits_generate(day=dt.date(2026, 12, 1))
    for v in Visit.objects.filter(
        period_start=dt.date(2026, 12, 1), rule__code="special_elderly", assigned_to=worker
    ):
        services.visit_record(
            actor=worker, visit=v, visited_at=at(dt.date(2026, 12, 3)), now=at(dt.date(2026, 12, 3), 12)
        )
    nov = {r.key: r for r in selectors.visit_rates(root, NOV)}
    assert (nov["special_elderly"].owed, nov["special_elderly"].visited, nov["special_elderly"].overdue) == (
        2,
        1,
        1,
    )
    assert nov["special_elderly"].rate == 50.0
    dec = {r.key: r for r in selectors.visit_rates(root, dt.date(2026, 12, 1))}
    assert dec["special_elderly"].rate == 100.0
    by_grid = {r.key: r for r in selectors.visit_rates(root, NOV, by="region", n=15)}
    assert (by_grid[care.world.tree.grid_a1.code].owed, by_grid[care.world.tree.grid_a1.code].visited) == (
        3,
        1,
    )


def test_policy_alert_from_a_registry_change_becomes_an_application(
    care: Care, django_capture_on_commit_callbacks
) -> None:
    services.care_evaluate(day=NOV)
    worker = care.world.accounts.community_worker
    with django_capture_on_commit_callbacks(execute=True):
        person_tag_add(by=worker, person=care.grandpa, kind="dibao_edge", valid_from=dt.date(2026, 1, 1))
    alert = Alert.objects.get(file__person=care.grandpa)
    assert alert.rule.code == "dibao_edge" and alert.status == AlertStatus.OPEN
    services.alert_confirm(actor=worker, alert=alert)
    alert.refresh_from_db()
    assert alert.application_id is not None
    app = Application.objects.get(pk=alert.application_id)
    assert (app.person, app.item.code) == (care.grandpa, "dibao")
    assert Referral.objects.get(file=alert.file).kind == "application"
    with pytest.raises(ValidationError) as err:
        services.alert_confirm(actor=worker, alert=alert)
    assert error_code(err.value) == "care.alert_decided"


def test_dismiss_needs_a_reason(care: Care) -> None:
    services.care_evaluate(day=NOV)
    alert = Alert.objects.filter(file__person=care.granny).first()
    assert alert is not None
    with pytest.raises(ValidationError) as err:
        services.alert_dismiss(actor=care.world.accounts.grid_worker, alert=alert, reason="")
    assert error_code(err.value) == "care.alert_reason_required"
    services.alert_dismiss(actor=care.world.accounts.grid_worker, alert=alert, reason="已在外地领取")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.DISMISSED


def test_referrals_to_each_handler_and_bad_targets(care: Care) -> None:
    services.care_evaluate(day=NOV)
    f = CareFile.objects.get(person=care.child)
    worker = care.world.accounts.community_worker
    for kind, target in [("nope", ""), ("need", "no_such_term"), ("case", "no.such"), ("application", "x")]:
        with pytest.raises(ValidationError) as err:
            services.referral_create(actor=worker, file=f, kind=kind, target=target, summary="需要帮助")
        assert error_code(err.value) in {"care.referral_kind_unknown", "care.referral_target_unknown"}
    assert not Referral.objects.exists()
    case_ref = services.referral_create(
        actor=worker, file=f, kind="case", target="", summary="孩子家中漏水无人修"
    )
    social = services.referral_create(
        actor=worker, file=f, kind="social_case", summary="情绪低落，需社工跟进"
    )
    assert case_ref.target_id and social.target_id
    closed = services.referral_close(actor=worker, referral=social, outcome="resolved", note="已结案")
    assert closed.closed_at is not None and closed.get_outcome_display() == "已解决"


def test_rule_naming_an_unknown_tag_is_refused_with_the_name(care: Care) -> None:
    admin = care.world.accounts.district_admin
    rule = CareRule.objects.get(code="left_behind_child")
    with pytest.raises(ValidationError) as err:
        services.rule_save(
            actor=admin,
            rule=rule,
            name=rule.name,
            condition={"tag": "left_behind_kid"},
            frequency="monthly",
            visitor="child_director",
        )
    assert error_code(err.value) == "care.rule_unknown_tag"
    assert "left_behind_kid" in str(err.value)
    rule.refresh_from_db()
    assert rule.condition["all"][1] == {"tag": "left_behind_child"}
    with pytest.raises(Exception) as denied:
        services.rule_save(
            actor=care.world.accounts.community_worker,
            rule=rule,
            name="x",
            condition={},
            frequency="",
            visitor="",
        )
    assert error_code(denied.value) == "care.rule_not_editor"


def test_viewing_a_file_is_audited_unless_by_its_worker(care: Care) -> None:
    services.care_evaluate(day=NOV)
    services.visits_generate(day=NOV)
    f = CareFile.objects.get(person=care.granny)
    assert not services.file_viewed(actor=care.world.accounts.grid_worker, file=f)
    assert services.file_viewed(actor=care.world.accounts.community_worker, file=f)
    assert AuditLog.objects.filter(subject_type="care.carefile", field="care_file").count() == 1


def test_figures_feed_the_indicators_with_the_plans_100_percent_target(care: Care) -> None:
    from linli.care import indicators
    from linli.core.data_elements import SOURCES
    from linli.indicators.models import Target

    targets = Target.objects.filter(indicator__code="elderly_monthly_visit_rate")
    assert sorted(t.plan.seed for t in targets if t.plan) == ["002", "004"]
    assert all(t.target_value == 100 for t in targets)
    last = indicators.last_month()
    services.care_evaluate(day=last)
    services.visits_generate(day=last)
    visit = Visit.objects.get(file__person=care.granny, rule__code="special_elderly")
    services.visit_record(
        actor=care.world.accounts.grid_worker, visit=visit, visited_at=at(last.replace(day=5))
    )
    got = SOURCES["care.visits"].compute(12, care.world.tree.district.code)
    a = got[care.world.tree.community_a.code]
    assert (a["care_owed_special_elderly"], a["care_visited_special_elderly"]) == (1, 1)
    members = SOURCES["care.members"].compute(12, care.world.tree.district.code)
    assert members[care.world.tree.community_a.code]["care_members_left_behind_child"] == 1
