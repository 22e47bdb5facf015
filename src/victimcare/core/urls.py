from django.urls import path

from victimcare.core import views

app_name = "core"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("staff/", views.staff_home, name="staff-home"),
    path("healthz", views.healthz, name="healthz"),
]
