from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "govplus.cases"
    label = "cases"
    verbose_name = "办件 / Cases"
