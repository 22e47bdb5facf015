from django.urls import path

from victimcare.care import views

app_name = "care"

urlpatterns = [
    path("worklist/", views.worklist, name="worklist"),
    path("cases/<str:reference>/contact/", views.contact, name="contact"),
    path(
        "cases/<str:reference>/written-information/",
        views.written_information,
        name="written-information",
    ),
    path(
        "cases/<str:reference>/needs-assessment/", views.needs_assessment, name="needs-assessment"
    ),
    path("cases/<str:reference>/referral/", views.referral, name="referral"),
    path("cases/<str:reference>/visit/", views.visit, name="visit"),
    path("referrals/", views.referral_inbox, name="referral-inbox"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral-detail"),
    path("team/", views.team, name="team"),
    path("compliance/", views.compliance, name="compliance"),
    path("compliance.csv", views.compliance_csv, name="compliance-csv"),
    path("rules/", views.rule_sets, name="rule-sets"),
    path("rules/<slug:code>/v<int:version>/", views.rule_set_detail, name="rule-set-detail"),
]
