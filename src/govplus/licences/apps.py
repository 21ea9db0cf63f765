from django.apps import AppConfig


class LicencesConfig(AppConfig):
    name = "govplus.licences"
    label = "licences"
    verbose_name = "电子证照 / E-licences"
