"""转介 to a result: the form picks the target from lists with Chinese names; a referral shows where its
request, need or application stands (read through that module's selectors) and reads 已办结 with the
outcome once the handler closed it; the nightly sync then closes the referral itself."""

from __future__ import annotations

from django.test import Client

from linli.care import services
from linli.care.models import CareFile, CareWorker, Referral, ReferralOutcome, Visitor
from linli.care.tests.conftest import Care
from linli.cases.engine import workflow as wf
from linli.cases.models import Case
from linli.core.models import User
from linli.services.models import Application, Need
from linli.services.services import application_act, need_close


def login(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_form_lists_targets_by_name_and_each_kind_lands_where_chosen(care: Care) -> None:
    services.care_evaluate()
    f = CareFile.objects.get(person=care.granny)
    worker = care.world.accounts.community_worker
    CareWorker.objects.create(region=care.world.tree.community_a, post=Visitor.SOCIAL_WORKER, user=worker)
    c = login(worker)
    page = c.get(f"/care/files/{f.pk}/").content.decode()
    # the lists carry Chinese names, grouped; codes only in the option values
    for words in (
        '<optgroup label="诉求（接诉即办）">',
        '<optgroup label="一窗受理事项">',
        "高龄津贴",
        "社工 万福社工（",
    ):
        assert words in page
    targets = c.get(f"/api/care/files/{f.pk}/referral-targets").json()
    item = next(t for t in targets if t["kind"] == "application" and t["name"] == "高龄津贴申领")
    need = next(t for t in targets if t["kind"] == "need")
    r = c.post(
        f"/care/files/{f.pk}/refer/",
        {"to": f"application:{item['target']}", "summary": "82 岁，申请高龄津贴"},
    )
    assert r.status_code == 302
    app = Application.objects.get(person=care.granny)
    assert app.item.name == "高龄津贴申领"
    c.post(f"/care/files/{f.pk}/refer/", {"to": f"need:{need['target']}", "summary": "希望助餐上门"})
    assert Need.objects.get(person=care.granny).category.code == need["target"]
    c.post(f"/care/files/{f.pk}/refer/", {"to": f"social_case:{worker.pk}", "summary": "情绪低落"})
    social = Referral.objects.get(file=f, kind="social_case")
    assert services.SocialCase.objects.get(pk=social.target_id).worker == worker
    # a target not in the list is refused with the field named, nothing written
    before = Referral.objects.count()
    refused = c.post(f"/care/files/{f.pk}/refer/", {"to": "case:no.such", "summary": "漏水"}, follow=True)
    assert "转介给" in refused.content.decode() and Referral.objects.count() == before
    bad_worker = c.post(
        f"/api/care/files/{f.pk}/referrals",
        {"kind": "social_case", "target": str(care.world.accounts.district_admin.pk), "summary": "情绪低落"},
        content_type="application/json",
    )
    assert bad_worker.status_code == 422 and bad_worker.json()["code"] == "care.referral_target_unknown"


def test_a_referral_follows_its_target_to_the_outcome(care: Care) -> None:
    services.care_evaluate()
    f = CareFile.objects.get(person=care.granny)
    worker = care.world.accounts.community_worker
    to_need = services.referral_create(actor=worker, file=f, kind="need", target="", summary="希望助餐上门")
    to_case = services.referral_create(actor=worker, file=f, kind="case", target="", summary="楼道灯坏了")
    to_app = services.referral_create(
        actor=worker, file=f, kind="application", target="elderly_allowance", summary="申请高龄津贴"
    )
    c = login(worker)
    page = c.get(f"/care/files/{f.pk}/").content.decode()
    assert '<b class="ref-state">已提交</b>' in page and '<b class="ref-state">待对接</b>' in page
    assert '<b class="ref-state">已办结' not in page
    # the handlers close them in their own modules
    application_act(
        actor=worker,
        application=Application.objects.get(pk=to_app.target_id),
        action="refuse",
        note="户籍不在本区",
    )
    need_close(actor=worker, need=Need.objects.get(pk=to_need.target_id), note="已由老年食堂送餐")
    Case.objects.filter(pk=to_case.target_id).update(status=wf.CLOSED, resolved=True, reply="已更换灯泡")
    page = c.get(f"/care/files/{f.pk}/").content.decode()
    assert (
        page.count('<b class="ref-state">已办结') == 3 and "已更换灯泡" in page and "已由老年食堂送餐" in page
    )
    assert "手动办结" not in page
    api = {r["kind"]: r for r in c.get(f"/api/care/files/{f.pk}/referrals").json()}
    assert api["case"]["closed"] and api["case"]["outcome"] == "resolved"
    assert api["application"]["outcome"] == "unresolved" and api["need"]["outcome"] == "done"
    # the nightly sync closes the referrals themselves (figures count them), once
    assert services.referrals_sync() == 3
    assert services.referrals_sync() == 0
    closed = {r.kind: r for r in Referral.objects.filter(file=f)}
    assert closed["case"].outcome == ReferralOutcome.RESOLVED and closed["case"].closed_at is not None
    assert "已更换灯泡" in closed["case"].outcome_note
    assert closed["application"].outcome == ReferralOutcome.UNRESOLVED
    assert closed["need"].get_outcome_display() == "已办结"
