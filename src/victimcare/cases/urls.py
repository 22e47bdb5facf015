from django.urls import path

from victimcare.cases import views

app_name = "cases"

urlpatterns = [
    path("cases/search/", views.case_search_page, name="search"),
    path("cases/<str:reference>/", views.case_detail, name="detail"),
]
