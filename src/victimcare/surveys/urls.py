from django.urls import path

from victimcare.surveys import views, views_da, web, web_da

app_name = "surveys"

urlpatterns = [
    # The victim's web survey: public, opened by a single-use link.
    path("survey/thank-you/", web.web_done, name="web-done"),
    path("survey/<str:token>/", web.web_start, name="web-start"),
    path("survey/<str:token>/opt-out/", web.web_opt_out, name="web-opt-out"),
    path("survey/<str:token>/check/", web.web_check, name="web-check"),
    path("survey/<str:token>/<slug:code>/", web.web_question, name="web-question"),
    # The domestic abuse survey's web questionnaire: public, opened by the single-use link
    # emailed to the victim's confirmed safe address (neutral paths and titles).
    path("feedback/thank-you/", web_da.feedback_done, name="feedback-done"),
    path("feedback/<str:token>/", web_da.feedback_start, name="feedback-start"),
    path("feedback/<str:token>/check/", web_da.feedback_check, name="feedback-check"),
    path("feedback/<str:token>/<slug:code>/", web_da.feedback_question, name="feedback-question"),
    # Staff: samples and fieldwork.
    path("surveys/", views.survey_index, name="index"),
    path("surveys/samples/new/", views.sample_new, name="sample-new"),
    path("surveys/samples/<int:pk>/", views.sample_detail, name="sample-detail"),
    path("surveys/samples/<int:pk>/invite/", views.sample_invite, name="sample-invite"),
    path("surveys/samples/<int:pk>/import/", views.agency_import_view, name="agency-import"),
    # Supervisors and administrators: victims' contact details for fieldwork (audited).
    path("surveys/contact-exports/", views.contact_exports, name="contact-exports"),
    path(
        "surveys/samples/<int:pk>/invitations.csv",
        views.invitations_csv,
        name="invitations-export",
    ),
    path("surveys/samples/<int:pk>/agency.csv", views.agency_csv, name="agency-export"),
    # Analysts: pseudonymised responses.
    path("surveys/responses/", views.response_list, name="responses"),
    path("surveys/responses/microdata.csv", views.microdata_csv, name="microdata"),
    # Interviewers: the telephone (CATI) screen.
    path("surveys/interviews/", views.interview_list, name="interviews"),
    path("surveys/interviews/<str:serial>/", views.interview, name="interview"),
    # Supervisors: service recovery call-backs.
    path("surveys/call-backs/", views.recovery_list, name="recovery"),
    path("surveys/call-backs/<int:pk>/", views.recovery_detail, name="recovery-task"),
    # Officers: approve contacting domestic abuse victims for their own survey (audited).
    path("surveys/domestic-abuse/", views_da.da_approvals, name="da-approvals"),
    path(
        "surveys/domestic-abuse/<int:pk>/decide/",
        views_da.da_approval_decide,
        name="da-approval-decide",
    ),
    # Interviewers: call approved domestic abuse victims whose safe route is a phone.
    path("surveys/domestic-abuse/interviews/", views_da.da_interviews, name="da-interviews"),
    path("surveys/domestic-abuse/interviews/<int:pk>/", views_da.da_interview, name="da-interview"),
    # Officers: the risk to a victim is lowered (from the case page; audited).
    path(
        "cases/<str:reference>/survey-risk-cleared/",
        views_da.victim_risk_clear,
        name="victim-risk-clear",
    ),
    # Officers: keep a victim out of surveys (from the case page).
    path("cases/<str:reference>/survey-flags/", views.victim_flag, name="victim-flag"),
]
