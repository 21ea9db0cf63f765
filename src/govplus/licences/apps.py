from django.apps import AppConfig


class LicencesConfig(AppConfig):
    name = "govplus.licences"
    label = "licences"
    verbose_name = "电子证照 / E-licences"

    def ready(self) -> None:
        from govplus.cases.providers import material_provider_register
        from govplus.catalog.extensions import guide_note_register
        from govplus.core.events import event_subscribe
        from govplus.licences.case_uses import HANDLER_NAME as SUPPLY_USE_HANDLER
        from govplus.licences.case_uses import licence_supply_uses_record
        from govplus.licences.figures import tell_us_once_note
        from govplus.licences.issuance import (
            HANDLER_NAME,
            PDF_HANDLER_NAME,
            licence_issue_on_approval,
            licence_pdf_on_issue,
        )
        from govplus.licences.providers import LicenceLibrary

        # Tell-us-once: an applicant's valid licence satisfies the materials of its type.
        material_provider_register(LicenceLibrary())
        # An approved case of an item whose result is a licence issues it (idempotent by event id).
        event_subscribe("application.concluded", licence_issue_on_approval, name=HANDLER_NAME)
        # A licence issued here is sealed as a PDF at once (an imported one on its first download).
        event_subscribe("licence.issued", licence_pdf_on_issue, name=PDF_HANDLER_NAME)
        # A submitted case that relies on a licence is a use of it (用证记录; one per licence and case).
        event_subscribe("application.submitted", licence_supply_uses_record, name=SUPPLY_USE_HANDLER)
        # The guide says how many of an item's materials the library supplies (免提交).
        guide_note_register(tell_us_once_note)
