from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "opensend.pathways"
    label = "pathways"
    verbose_name = "Pathways and waiting lists"
