from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "opensend.insight"
    label = "insight"
    verbose_name = "Needs assessment and performance framework"
