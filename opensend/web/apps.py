from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "opensend.web"
    label = "web"
    verbose_name = "The GOV.UK Frontend shell"
