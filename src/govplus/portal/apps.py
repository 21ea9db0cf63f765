from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "govplus.portal"
    label = "portal"
    verbose_name = "门户 / Portal"
