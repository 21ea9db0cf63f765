from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "govplus.cases"
    label = "cases"
    verbose_name = "办件 / Cases"

    def ready(self) -> None:
        from govplus.cases.process_check import process_vocabulary_problems
        from govplus.catalog.services import process_check_register

        # A process whose steps or gateway outcomes the action vocabulary does not know is refused on save.
        process_check_register(process_vocabulary_problems)
