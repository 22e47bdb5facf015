from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "victimcare.surveys"
    verbose_name = "Victim satisfaction surveys"
