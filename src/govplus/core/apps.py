from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "govplus.core"
    label = "core"
    verbose_name = "核心 / Core"

    def ready(self) -> None:
        from govplus.core.events import event_subscribe
        from govplus.core.notify import notification_email_copy, notification_sms_copy

        event_subscribe("notification.created", notification_sms_copy, name="core.notify.sms")
        event_subscribe("notification.created", notification_email_copy, name="core.notify.email")
