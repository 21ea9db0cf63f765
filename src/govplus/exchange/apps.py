from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "govplus.exchange"
    label = "exchange"
    verbose_name = "数据共享交换 / Data exchange"

    def ready(self) -> None:
        from govplus.cases.providers import material_provider_register
        from govplus.catalog.extensions import guide_note_register
        from govplus.core.events import event_subscribe
        from govplus.exchange.case_uses import HANDLER_NAME, supply_evidence_record
        from govplus.exchange.figures import shared_data_note
        from govplus.exchange.providers import SharedData
        from govplus.exchange.selectors import consumer_client_policy
        from govplus.exchange.subscriptions import WEBHOOK_DUE
        from govplus.exchange.webhooks import (
            DELIVER_HANDLER,
            FAN_OUT_HANDLER,
            webhook_deliver,
            webhook_failure_record,
            webhooks_fan_out,
        )
        from govplus.identity.client_assertion import client_policy_register

        # Tell-us-once: a material whose source is shared data is answered by the applicant's record.
        material_provider_register(SharedData())
        # A submitted case that relies on a shared record is a lookup: it goes into the evidence log.
        event_subscribe("application.submitted", supply_evidence_record, name=HANDLER_NAME)
        # The guide says which materials shared data supplies and how many in all need not be brought.
        guide_note_register(shared_data_note)
        # Change subscriptions: a write that changed records queues one webhook per subscription concerned,
        # each delivered (signed, retried with backoff, idempotent by event id) on its own.
        event_subscribe("exchange.records_changed", webhooks_fan_out, name=FAN_OUT_HANDLER)
        event_subscribe(WEBHOOK_DUE, webhook_deliver, name=DELIVER_HANDLER, on_failure=webhook_failure_record)
        # The gateway remembers grants per process until one of these changes (grant_cache.py).
        from django.db.models.signals import post_delete, post_save

        from govplus.exchange.grant_cache import grants_changed
        from govplus.exchange.models import ConsumerSystem, Grant, Resource, ResourceField

        for model in (Grant, Resource, ResourceField, ConsumerSystem):
            post_save.connect(grants_changed, sender=model, dispatch_uid=f"grants_changed_save_{model.__name__}")
            post_delete.connect(grants_changed, sender=model, dispatch_uid=f"grants_changed_delete_{model.__name__}")
        # Consumer systems at the token endpoint: their keys (private_key_jwt) and the scope `exchange`.
        client_policy_register(consumer_client_policy)
