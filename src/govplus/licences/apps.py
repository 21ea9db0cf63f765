from django.apps import AppConfig


class LicencesConfig(AppConfig):
    name = "govplus.licences"
    label = "licences"
    verbose_name = "电子证照 / E-licences"

    def ready(self) -> None:
        from govplus.cases.providers import material_provider_register
        from govplus.core.events import event_subscribe
        from govplus.licences.issuance import HANDLER_NAME, licence_issue_on_approval
        from govplus.licences.providers import LicenceLibrary

        # Tell-us-once: an applicant's valid licence satisfies the materials of its type.
        material_provider_register(LicenceLibrary())
        # An approved case of an item whose result is a licence issues it (idempotent by event id).
        event_subscribe("application.concluded", licence_issue_on_approval, name=HANDLER_NAME)
