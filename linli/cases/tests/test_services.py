import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from linli.cases import selectors, services
from linli.cases.engine import workflow as wf
from linli.cases.models import Case, CaseEvent, Category, Channel, Holiday, Notification
from linli.cases.tasks import cases_sweep_task
from linli.core.models import AuditAction, AuditLog

from .conftest import CasesWorld, grid_center, image_bytes

PNG = image_bytes("PNG")


def report(
    cw: CasesWorld,
    *,
    user=None,
    text="小区门口垃圾堆了三天，气味很大",
    grid=0,
    code="sanitation.complaint",
    **kw,
) -> Case:
    lat, lon = grid_center(grid)
    return services.case_create(
        by=user or cw.world.accounts.resident,
        category=code,
        description=text,
        channel=kw.pop("channel", Channel.APP),
        lat=lat,
        lon=lon,
        **kw,
    )


def test_intake_locates_grid_numbers_and_masks_the_reporter(cw: CasesWorld) -> None:
    case = report(cw, photos=[SimpleUploadedFile("a.png", PNG, content_type="image/png")])
    assert case.region == cw.world.tree.community_a and case.grid == cw.world.tree.grid_a1
    prefix, serial = case.number.split("-")
    assert prefix == f"{timezone.localdate():%Y%m%d}" and len(serial) == 6
    assert report(cw).number == f"{prefix}-{int(serial) + 1:06d}"
    assert case.status == wf.RECEIVED and case.coordinator == cw.world.tree.community_a
    fresh = Case.objects.get(pk=case.pk)
    assert str(fresh.reporter_name) == "林**" and fresh.reporter_name.reveal() == "林建国"
    assert str(fresh.reporter_phone) != "13859001234" and fresh.reporter_phone.reveal() == "13859001234"
    assert fresh.photos.count() == 1
    assert fresh.response_due < fresh.resolve_due
    assert Notification.objects.filter(user=cw.world.accounts.resident, case=case).exists()
    assert CaseEvent.objects.filter(case=case, action="create").count() == 1


def test_staff_intake_is_accepted_by_the_first_unit_asked(cw: CasesWorld) -> None:
    case = report(
        cw,
        user=cw.world.accounts.community_worker,
        channel=Channel.WALK_IN,
        reporter_name="张三",
        reporter_phone="13912345678",
        grid=1,
    )
    assert case.status == wf.ACCEPTED and case.owner_region == cw.world.tree.community_a
    assert case.grid == cw.world.tree.grid_a2 and case.accepted_at is not None


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"description": "<script>alert(1)</script>"}, "description", "HTML"),
        ({"description": "  "}, "description", "请填写诉求内容"),
        ({"category": "nonsense.kind"}, "category", "未知的诉求分类"),
        ({"lat": None, "lon": None}, "location", "请提供位置"),
        ({"lat": 40.0, "lon": 116.0}, "location", "不在本系统"),
        (
            {"photos": [SimpleUploadedFile("x.pdf", b"%PDF-1.4 hello", content_type="image/png")]},
            "photos",
            "不是可识别的图片",
        ),
        (
            {
                "photos": [
                    SimpleUploadedFile("big.png", PNG + b"\x00" * (5 * 1024 * 1024), content_type="image/png")
                ]
            },
            "photos",
            "超过 5 MB",
        ),
        ({"reporter_phone": "12345"}, "phone", "联系电话"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(cw: CasesWorld, kwargs, field, message) -> None:
    lat, lon = grid_center(0)
    args: dict[str, Any] = {
        "by": cw.world.accounts.resident,
        "category": "sanitation.complaint",
        "description": "垃圾没人清理",
        "channel": Channel.APP,
        "lat": lat,
        "lon": lon,
    }
    args.update(kwargs)
    with pytest.raises(ValidationError) as exc:
        services.case_create(**args)
    assert message in " ".join(exc.value.message_dict[field])
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0


def test_resident_cannot_pretend_to_be_the_hotline(cw: CasesWorld) -> None:
    with pytest.raises(PermissionDenied):
        report(cw, channel=Channel.HOTLINE)


def test_full_loop_with_return_summon_reply_and_rating(cw: CasesWorld) -> None:
    a = cw.world.accounts
    case = report(cw)
    case = services.case_accept(case=case, by=a.community_worker)
    # dispatch outside the region is refused
    with pytest.raises(ValidationError, match="不管辖"):
        services.case_dispatch(case=case, by=a.community_worker, region=cw.world.tree.community_b)
    case = services.case_dispatch(case=case, by=a.community_worker, organisation=cw.zhujian)
    assert Notification.objects.filter(user=cw.dept_user2, case=case).exists()
    # the wrong department cannot act; the right one returns it
    with pytest.raises(PermissionDenied):
        services.case_start(case=case, by=cw.dept_user)
    with pytest.raises(ValidationError, match="退单理由"):
        services.case_return(case=case, by=cw.dept_user2, reason="")
    case = services.case_return(case=case, by=cw.dept_user2, reason="不属于住建职责，应由城管处理")
    assert case.status == wf.RETURNED and case.handler_org is None
    # summoning departments needs the street: escalate first
    with pytest.raises(ValidationError, match="街道"):
        services.case_summon(case=case, by=a.community_worker, organisations=[cw.chengguan])
    case = services.case_escalate(case=case, by=a.community_worker, reason="涉及多个部门，请街道协调")
    assert case.coordinator == cw.world.tree.street and case.status == wf.ACCEPTED
    case = services.case_summon(
        case=case, by=cw.street_user, organisations=[cw.chengguan, cw.zhujian], note="吹哨"
    )
    assert case.status == wf.DISPATCHED and set(case.summoned.all()) == {cw.chengguan, cw.zhujian}
    case = services.case_start(case=case, by=cw.dept_user)
    case = services.case_request_extension(case=case, by=cw.dept_user, days=2, reason="需协调清运车辆")
    due = case.resolve_due
    case = services.case_approve_extension(case=case, by=cw.street_user)
    assert case.resolve_due > due and not case.extension_requested
    case = services.case_reply(case=case, by=cw.dept_user, reply="已清运并加密清运频次", resolved=True)
    assert case.status == wf.REPLIED
    # only the reporter (or staff by phone) rates
    with pytest.raises(PermissionDenied):
        services.case_rate(case=case, by=cw.dept_user, rating=wf.SATISFIED)
    case = services.case_rate(case=case, by=a.resident, rating=wf.SATISFIED, comment="很快")
    assert case.status == wf.CLOSED and case.closed_at is not None
    actions = list(case.events.values_list("action", flat=True))
    assert actions == [
        "create",
        "accept",
        "dispatch",
        "return",
        "escalate",
        "summon",
        "start",
        "request_extension",
        "approve_extension",
        "reply",
        "rate",
    ]
    with pytest.raises(PermissionError):
        case.events.update(note="x")


def test_unsatisfied_reopens_once_after_review(cw: CasesWorld) -> None:
    a = cw.world.accounts
    case = report(cw)
    services.case_accept(case=case, by=a.community_worker)
    services.case_dispatch(case=case, by=a.community_worker, region=cw.world.tree.community_a)
    services.case_start(case=case, by=a.community_worker)
    services.case_reply(case=case, by=a.community_worker, reply="已处理", resolved=True)
    case = services.case_rate(case=case, by=a.resident, rating=wf.UNSATISFIED, comment="还是很臭")
    assert case.status == wf.REVIEW
    case = services.case_reopen(case=case, by=a.community_worker, note="复核属实，重新处理")
    assert case.status == wf.IN_PROGRESS and case.reopen_count == 1
    services.case_reply(case=case, by=a.community_worker, reply="已彻底清理", resolved=True)
    case = services.case_rate(case=case, by=a.resident, rating=wf.UNSATISFIED)
    with pytest.raises(ValidationError, match="不能再次重办"):
        services.case_reopen(case=case, by=a.community_worker, note="再来")
    case = services.case_close(case=case, by=a.community_worker, note="复核后办结")
    assert case.status == wf.CLOSED


def test_two_people_acting_at_once_the_second_gets_a_clear_message(cw: CasesWorld) -> None:
    a = cw.world.accounts
    case = report(cw)
    first, second = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    services.case_accept(case=first, by=a.community_worker, version=first.version)
    with pytest.raises(services.Conflict, match="刚刚已被其他人处理"):
        services.case_accept(case=second, by=cw.street_user, version=second.version)
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1
    assert Case.objects.get(pk=case.pk).version == 2


def test_duplicates_are_offered_and_merged_requests_share_the_outcome(cw: CasesWorld) -> None:
    a = cw.world.accounts
    first = report(cw)
    second = report(cw, user=cw.resident2, text="门口垃圾没人清")
    far = report(cw, user=cw.resident2, grid=2)  # another grid, > 1 km away
    other = report(cw, code="property.complaint", text="电梯坏了")
    dups = [c for c, _ in selectors.duplicates_of(second, a.community_worker)]
    assert dups == [first]
    assert far not in dups and other not in dups
    services.case_merge(case=second, into=first, by=a.community_worker)
    second.refresh_from_db()
    assert second.status == wf.MERGED and second.merged_into == first
    first = services.case_accept(case=first, by=a.community_worker)
    first = services.case_dispatch(case=first, by=a.community_worker, region=cw.world.tree.community_a)
    first = services.case_start(case=first, by=a.community_worker)
    services.case_reply(case=first, by=a.community_worker, reply="已清运", resolved=True)
    second.refresh_from_db()
    assert second.reply == "已清运"
    for user in (a.resident, cw.resident2):
        assert Notification.objects.filter(user=user, title__contains="已答复").exists()


def test_sweep_marks_overdue_reminds_escalates_and_is_idempotent(cw: CasesWorld) -> None:
    a = cw.world.accounts
    late = report(cw)
    services.case_accept(case=late, by=a.community_worker)
    services.case_dispatch(case=late, by=a.community_worker, region=cw.world.tree.community_a)
    soon = report(cw, code="gas.help", text="楼道有煤气味", attributes={"scope": "building"})
    services.case_accept(case=soon, by=a.community_worker)
    services.case_dispatch(case=soon, by=a.community_worker, organisation=cw.chengguan)
    Case.objects.filter(pk=late.pk).update(resolve_due=timezone.now() - dt.timedelta(hours=1))
    Case.objects.filter(pk=soon.pk).update(resolve_due=timezone.now() + dt.timedelta(minutes=30))
    first = services.cases_sweep()
    assert (first.overdue, first.escalated, first.reminded) == (1, 1, 1)
    late.refresh_from_db()
    assert late.overdue and late.coordinator == cw.world.tree.street
    events = CaseEvent.objects.count()
    again = services.cases_sweep()
    assert (again.overdue, again.escalated, again.reminded) == (0, 0, 0)
    assert CaseEvent.objects.count() == events


def test_reporter_contact_is_revealed_only_with_permission_and_audited(cw: CasesWorld) -> None:
    a = cw.world.accounts
    case = report(cw)
    with pytest.raises(PermissionDenied):
        services.reporter_reveal(case=case, by=cw.dept_user, field="reporter_phone", reason="回访")
    assert (
        services.reporter_reveal(case=case, by=a.community_worker, field="reporter_phone", reason="电话回访")
        == "13859001234"
    )
    log = AuditLog.objects.get(action=AuditAction.REVEAL)
    assert log.subject_id == str(case.pk) and log.reason == "电话回访"


def test_routing_assistant_trains_suggests_and_auto_dispatches_only_above_threshold(
    cw: CasesWorld, settings
) -> None:
    a = cw.world.accounts
    for i in range(6):
        c = report(cw, text=f"小区垃圾清运不及时第{i}次，垃圾桶满了")
        services.case_accept(case=c, by=a.community_worker)
        services.case_dispatch(case=c, by=a.community_worker, organisation=cw.chengguan)
        c2 = report(cw, code="property.complaint", text=f"电梯又停运了{i}天，物业不管")
        services.case_accept(case=c2, by=a.community_worker)
        services.case_dispatch(case=c2, by=a.community_worker, region=cw.world.tree.community_a)
    model = services.routing_train()
    assert model.samples == 12
    s = services.routing_suggest("垃圾桶满了没人清运")
    assert s.categories[0][0].code == "sanitation.complaint" and s.categories[0][1] > 0.8
    assert s.units[0][1] == cw.chengguan.name
    settings.LINLI_CASES_AUTODISPATCH_THRESHOLD = 1.01  # never confident enough
    held = report(cw, text="垃圾桶满了没人清运")
    assert held.status == wf.RECEIVED
    settings.LINLI_CASES_AUTODISPATCH_THRESHOLD = 0.5
    auto = report(cw, text="垃圾桶满了没人清运")
    auto.refresh_from_db()
    assert auto.status == wf.DISPATCHED and auto.handler_org == cw.chengguan
    assert auto.events.filter(action="dispatch", actor_name=services.ASSISTANT_NAME).exists()


def test_measures_are_a_few_queries_per_table(
    cw: CasesWorld, django_assert_num_queries, django_assert_max_num_queries
) -> None:
    a = cw.world.accounts
    c = report(cw)
    services.case_accept(case=c, by=a.community_worker)
    services.case_dispatch(case=c, by=a.community_worker, region=cw.world.tree.community_a)
    services.case_start(case=c, by=a.community_worker)
    services.case_reply(case=c, by=a.community_worker, reply="好了", resolved=True)
    services.case_rate(case=c, by=a.resident, rating=wf.BASIC)
    report(cw, code="property.complaint", text="电梯坏了")
    user = a.district_admin
    for group in selectors.GROUPS:  # nothing summarised yet: the mark, then one aggregate query
        with django_assert_num_queries(2):
            rows = selectors.measures(user, group)
    services.case_measures_roll()
    for group in selectors.GROUPS:  # the mark, the summary, its names, today live, what he filed elsewhere
        with django_assert_max_num_queries(6):
            summarised = selectors.measures(user, group)
        assert summarised == selectors.measures_live(user, group)
    rows = selectors.measures(user, "category")
    by = {r.label: r for r in rows}
    assert by["环境卫生"].satisfaction_rate == 100.0 and by["环境卫生"].resolution_rate == 100.0
    assert by["物业"].total == 1 and by["物业"].satisfaction_rate is None
    total = selectors.measures_total(rows)
    assert total.total == 2 and total.response_rate == 50.0


def test_visibility_by_role(cw: CasesWorld) -> None:
    a = cw.world.accounts
    mine = report(cw)
    theirs = report(cw, user=cw.resident2)
    assert list(selectors.visible_cases(a.resident)) == [mine]
    assert set(selectors.visible_cases(a.community_worker)) == {mine, theirs}
    assert not selectors.visible_cases(a.community_worker_b).exists()
    assert not selectors.visible_cases(cw.dept_user).exists()
    services.case_accept(case=mine, by=a.community_worker)
    services.case_dispatch(case=mine, by=a.community_worker, organisation=cw.chengguan)
    assert list(selectors.visible_cases(cw.dept_user)) == [mine]


def test_category_catalogue_and_holidays_are_seeded(db: None) -> None:
    assert Category.objects.filter(kind="complaint", subject="物业").exists()
    assert Holiday.objects.get(date=dt.date(2026, 10, 10)).is_workday
    assert not Holiday.objects.get(date=dt.date(2026, 2, 17)).is_workday


def test_sweep_command_and_task(cw: CasesWorld) -> None:
    from io import StringIO

    from django.core.management import call_command

    late = report(cw)
    services.case_accept(case=late, by=cw.world.accounts.community_worker)
    Case.objects.filter(pk=late.pk).update(resolve_due=timezone.now() - dt.timedelta(minutes=5))
    out = StringIO()
    call_command("cases_sweep", stdout=out)
    assert "超期 1 件" in out.getvalue()
    result = cases_sweep_task.enqueue()
    assert result.return_value == {"超期": 0, "催办": 0, "上报": 0}


def test_sms_sender_is_pluggable(cw: CasesWorld, settings, django_capture_on_commit_callbacks) -> None:
    sent.clear()
    settings.LINLI_CASES_SMS_SENDER = "linli.cases.tests.test_services.RecordingSender"
    services.caches_clear()
    with django_capture_on_commit_callbacks(execute=True):
        report(cw)
    services.caches_clear()
    assert sent and sent[0][0] == "13859001234" and "已收到您的诉求" in sent[0][1]


sent: list[tuple[str, str]] = []


class RecordingSender:
    def send(self, phone: str, text: str) -> None:
        sent.append((phone, text))
