from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "opensend.synth"
    label = "synth"
    verbose_name = "Synthetic local areas and the demo"
