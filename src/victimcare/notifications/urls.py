from django.urls import path  # noqa: F401 (the usual import of an app's urls.py, kept for whoever adds a route)

app_name = "notifications"

urlpatterns: list = []
