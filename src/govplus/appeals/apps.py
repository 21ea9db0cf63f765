from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "govplus.appeals"
    label = "appeals"
    verbose_name = "诉求 / Appeals"
