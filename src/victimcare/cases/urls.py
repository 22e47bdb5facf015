from django.urls import path

from victimcare.cases import views

app_name = "cases"

urlpatterns = [
    path("cases/<str:reference>/", views.case_detail, name="detail"),
]
