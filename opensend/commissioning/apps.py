from django.apps import AppConfig


class CommissioningConfig(AppConfig):
    name = "opensend.commissioning"
    label = "commissioning"
    verbose_name = "Joint commissioning"
