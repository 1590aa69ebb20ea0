from django.apps import AppConfig


class EhcConfig(AppConfig):
    name = "opensend.ehc"
    label = "ehc"
    verbose_name = "EHC needs assessment and plans"

    def ready(self) -> None:
        from opensend.ehc import timeline  # noqa: F401 - registers the EHC timeline entries
