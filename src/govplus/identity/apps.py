from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "govplus.identity"
    label = "identity"
    verbose_name = "统一身份认证 / Identity"
