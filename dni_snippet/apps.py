from django.apps import AppConfig


class DniSnippetConfig(AppConfig):
    name = "dni_snippet"
    verbose_name = "DNI snippet"
