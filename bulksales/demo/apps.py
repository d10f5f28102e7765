from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "bulksales.demo"
    label = "demo"
    verbose_name = "Demo data"
