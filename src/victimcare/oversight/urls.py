from django.urls import path

from victimcare.oversight import views

app_name = "oversight"

# Included at the site root (config/urls.py): every path starts with "oversight/".
urlpatterns = [
    path("oversight/", views.index, name="index"),
    path(
        "oversight/open-data/data-dictionary.csv",
        views.open_data_dictionary,
        name="open-data-dictionary",
    ),
    path("oversight/compliance-return/", views.compliance_returns, name="compliance-returns"),
    path(
        "oversight/compliance-return.csv",
        views.compliance_returns_csv,
        name="compliance-returns-csv",
    ),
    path("oversight/targets/<int:pk>/edit/", views.target_edit, name="target-edit"),
    path("oversight/forces/<str:code>/", views.dashboard, name="dashboard"),
    path("oversight/forces/<str:code>/peers/", views.league, name="league"),
    path("oversight/forces/<str:code>/drivers/", views.drivers, name="drivers"),
    path("oversight/forces/<str:code>/targets/", views.targets, name="targets"),
    path("oversight/forces/<str:code>/targets/new/", views.target_create, name="target-create"),
    path("oversight/forces/<str:code>/report-pack/", views.report_pack, name="report-pack"),
    path("oversight/report-packs/<int:pk>/", views.report_pack_status, name="report-pack-status"),
    path(
        "oversight/report-packs/<int:pk>/report-pack.pdf",
        views.report_pack_file,
        name="report-pack-file",
    ),
    path("oversight/forces/<str:code>/open-data.csv", views.open_data, name="open-data"),
    path(
        "oversight/forces/<str:code>/compliance-return/",
        views.compliance_return,
        name="compliance-return",
    ),
    path(
        "oversight/forces/<str:code>/compliance-return.csv",
        views.compliance_return_csv,
        name="compliance-return-csv",
    ),
]
