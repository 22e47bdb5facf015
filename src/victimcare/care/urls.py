from django.urls import path

from victimcare.care import views, views_rights, views_supervisors

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
    path("cases/<str:reference>/officer/", views_supervisors.case_officer, name="case-officer"),
    path("teams/", views_supervisors.team_queues, name="team-queues"),
    path("teams/<slug:code>/queue/", views_supervisors.team_queue, name="team-queue"),
    path("visit-times/", views_supervisors.visit_times, name="visit-times"),
    path("referrals/", views.referral_inbox, name="referral-inbox"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral-detail"),
    path("team/", views_supervisors.team, name="team"),
    path("compliance/", views_supervisors.compliance, name="compliance"),
    path("compliance.csv", views_supervisors.compliance_csv, name="compliance-csv"),
    path("rules/", views_supervisors.rule_sets, name="rule-sets"),
    path(
        "rules/<slug:code>/v<int:version>/",
        views_supervisors.rule_set_detail,
        name="rule-set-detail",
    ),
]

# The rights beside the clock (care/views_rights.py).
urlpatterns += [
    path(
        "cases/<str:reference>/referral-objection/",
        views_rights.referral_objection,
        name="referral-objection",
    ),
    path("cases/<str:reference>/property/", views_rights.property_held, name="property"),
    path("cases/<str:reference>/review/", views_rights.review_request, name="review-request"),
    path(
        "cases/<str:reference>/property/<int:pk>/",
        views_rights.property_update,
        name="property-update",
    ),
    path(
        "cases/<str:reference>/complaints/<int:pk>/acknowledge/",
        views_rights.complaint_acknowledged,
        name="complaint-acknowledge",
    ),
]
