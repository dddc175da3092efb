"""Volunteering on the phone (390×844): a resident registers as a volunteer (with consent), signs up
for an activity under way, signs in with the organiser's code and signs out; the organiser confirms
the hours on their phone; the volunteer downloads the proof and its code checks out on the public
page, which shows the masked name only. The staff's pages fit the phone without sideways scrolling."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from linli.testing.factories import World
from linli.volunteers import services
from linli.volunteers.models import Proof, ServiceRecord, Signup

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]
FITS = "document.documentElement.scrollWidth <= innerWidth"


def test_resident_volunteers_organiser_confirms_and_the_proof_verifies(world: World, signed_in) -> None:
    start = timezone.now() - dt.timedelta(minutes=40)
    act = services.activity_create(
        actor=world.accounts.community_worker,
        region=world.tree.community_a,
        title="敬老院陪伴",
        place="万福社区党群服务中心",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        positions=[("陪伴聊天", 3)],
        lat=24.961,
        lon=118.671,
    )
    v = signed_in("resident", phone=True)
    page = v.page
    # register, consent refused first: nothing written, the reason shown
    v.go("/volunteers/", "volunteer-register")
    page.get_by_label("陪伴聊天").check()
    page.get_by_role("button", name="注册").click()
    expect(page.locator(".msg-error")).to_contain_text("请先阅读并同意志愿者注册告知")
    page.get_by_label("陪伴聊天").check()
    page.locator("#id_consent").check()
    page.get_by_role("button", name="注册").click()
    expect(page.locator(".msg").first).to_contain_text("注册成功")
    expect(page.locator("#my-star")).to_have_text("未定级")
    assert page.evaluate(FITS)
    # sign up, twice refused, then sign in with the code and sign out
    v.go(f"/volunteers/activities/{act.pk}/", "volunteer-activity")
    page.get_by_role("button", name="报名参加").click()
    expect(page.locator(".msg").first).to_contain_text("报名成功")
    page.fill("#signin-code", "000000" if act.checkin_code != "000000" else "111111")
    page.get_by_role("button", name="签到", exact=True).click()
    expect(page.locator(".msg-error")).to_contain_text("签到码不正确")
    page.fill("#signin-code", act.checkin_code)
    page.get_by_role("button", name="签到", exact=True).click()
    expect(page.locator("#signed-in")).to_contain_text("已签到")
    Signup.objects.update(
        signed_in_at=start + dt.timedelta(minutes=5)
    )  # an hour and a half of service later…
    page.get_by_role("button", name="签退").click()
    expect(page.locator("#signed-out")).to_contain_text("待组织者确认")
    v.shot("volunteer-signed-out")
    assert page.evaluate(FITS)
    # the organiser, on the phone too, sees the code and confirms the hours
    o = signed_in("community_worker", phone=True)
    o.go(f"/volunteers/activities/{act.pk}/", "organiser-activity")
    expect(o.page.locator("#checkin-code")).to_have_text(act.checkin_code)
    row = o.page.locator("#participants tr", has_text="林**")
    row.get_by_role("button", name="确认时长").click()
    expect(o.page.locator(".msg").first).to_contain_text("已确认 林** 的服务时长")
    assert o.page.evaluate(FITS)
    rec = ServiceRecord.objects.get()
    assert rec.confirmed_by == world.accounts.community_worker and rec.hours > 0
    for path, name in (
        ("/volunteers/list/", "volunteers-list"),
        ("/volunteers/teams/", "teams"),
        ("/volunteers/timebank/", "timebank"),
    ):
        o.go(path, name)
        assert o.page.evaluate(FITS), path
    # at the desk the register is searched by name and says how many it found
    d = signed_in("community_worker")
    d.go("/volunteers/list/?q=林建国", "volunteers-list-search")
    expect(d.page.locator("main")).to_contain_text("共 1 名")
    expect(d.page.locator("main table")).to_contain_text("林**")
    # the volunteer's hours count; a proof is issued and downloaded as a PDF
    v.go(f"/volunteers/activities/{act.pk}/", "volunteer-confirmed")
    expect(page.locator("#my-hours-confirmed")).to_contain_text("服务时长已确认")
    v.go("/volunteers/", "volunteer-mine")
    expect(page.locator("#my-balance")).to_have_text(str(rec.hours))
    with page.expect_download() as download:
        page.get_by_role("button", name="申请志愿服务证明（PDF）").click()
    assert download.value.suggested_filename.startswith("ZYZM")
    proof = Proof.objects.get()
    # anyone, not signed in, checks the code
    public = v.page.context.browser.new_context(viewport={"width": 390, "height": 844})  # type: ignore[union-attr]
    p = public.new_page()
    p.goto(v.base + "/volunteers/verify/")
    p.fill("#id_code", proof.verify_code)
    p.get_by_role("button", name="查验").click()
    expect(p.locator("#verify-result")).to_contain_text("证明真实有效")
    expect(p.locator("#verify-result")).to_contain_text("林**")
    assert "林建国" not in p.content()
    p.screenshot(path=str(v.folder / "public-verify.png"), full_page=True)
    p.fill("#id_code", "NOSUCH1234")
    p.get_by_role("button", name="查验").click()
    expect(p.locator(".errorlist")).to_contain_text("没有这个验证码对应的证明")
    public.close()
