from django.urls import path

from victimcare.intake import views

app_name = "intake"

urlpatterns = [
    path("report/", views.report_start, name="report-start"),
    path("report/saved/", views.report_saved, name="report-saved"),
    path("report/resume/", views.report_resume, name="report-resume"),
    path("report/check/", views.report_check, name="report-check"),
    path("report/confirmation/", views.report_confirmation, name="report-confirmation"),
    path("report/confirmation/support/", views.report_referral, name="report-referral"),
    path("report/confirmation/care-card/", views.report_care_card, name="report-care-card"),
    path(
        "report/confirmation/care-card.pdf",
        views.report_care_card_pdf,
        name="report-care-card-pdf",
    ),
    path("report/<slug:step>/", views.report_step, name="report-step"),
    path("staff/report/", views.staff_report, name="staff-report"),
    path("cases/<str:reference>/care-card/", views.care_card, name="care-card"),
    path("cases/<str:reference>/care-card.pdf", views.care_card_pdf_view, name="care-card-pdf"),
]
