"""The demo county holds licences: the demo citizen's are valid (so tell-us-once works in the demo), a few
residents show the other statuses, and the historical cases issued theirs through the platform's handler."""

from __future__ import annotations

from django.core.management import call_command
from django.utils import timezone

from govplus.cases.models import Application, CaseEvent
from govplus.cases.providers import MaterialNeed
from govplus.core.audit import audit_verify
from govplus.core.models import EventDelivery
from govplus.demo.licences import demo_licences_create
from govplus.identity.models import User
from govplus.licences.issuance import HANDLER_NAME
from govplus.licences.models import Licence
from govplus.licences.providers import LicenceLibrary
from govplus.licences.selectors import licences_of_holder, usable_licences_of


def test_the_demo_county_holds_licences_and_its_history_issued_them(db):
    call_command("seed_demo", "--history", "60")
    today = timezone.localdate()
    citizen = User.objects.get(username="citizen")
    usable = usable_licences_of(holder=citizen, type_names={"居民户口簿", "居民身份证", "结婚证"}, on=today)
    assert set(usable) == {"居民户口簿", "居民身份证", "结婚证"}
    mine, total = licences_of_holder(holder=citizen)
    assert total >= 7 and all(licence.status == Licence.Status.VALID for licence in mine)
    assert {licence.licence_type.name for licence in mine} >= {"出生医学证明", "不动产权证书", "机动车驾驶证"}
    offers = LicenceLibrary().offers(
        applicant=citizen,
        item_code="any",
        needs=[MaterialNeed(code="M02", name="居民户口簿", source="licence", licence_type="居民户口簿")],
    )
    assert [offer.reference for offer in offers] == [usable["居民户口簿"].licence_id]
    business = User.objects.get(username="business")
    assert {lic.licence_type.name for lic in licences_of_holder(holder=business)[0]} == {"营业执照", "食品经营许可证"}
    # a few residents show the other statuses
    statuses = set(Licence.objects.values_list("status", flat=True))
    assert {Licence.Status.SUSPENDED, Licence.Status.REVOKED, Licence.Status.EXPIRED} <= statuses

    # the approved historical cases of licence items issued theirs, on the day they concluded
    issued = list(Licence.objects.filter(application__isnull=False).select_related("licence_type"))
    assert issued
    for licence in issued:
        application = Application.objects.get(pk=licence.application_id)
        assert (application.status, application.result) == ("concluded", "approved")
        assert licence.origin == Licence.Origin.ISSUED
        assert licence.issued_on == timezone.localdate(application.concluded_at) <= today
        line = CaseEvent.objects.get(application=application, kind="result", link__endswith=licence.licence_id)
        assert line.title_en.startswith("E-licence issued: ") and line.occurred_at == application.concluded_at
    assert not EventDelivery.objects.filter(handler=HANDLER_NAME).exclude(status="delivered").exists()
    assert audit_verify().is_intact

    # seeding the licences again adds nothing
    count = Licence.objects.count()
    assert demo_licences_create(log=lambda _: None)["licences"] == 0
    assert Licence.objects.count() == count
