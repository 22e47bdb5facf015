from django.urls import path

from victimcare.portal import views

app_name = "portal"

urlpatterns = [
    path("track/", views.start, name="start"),
    path("track/code/", views.code, name="code"),
    path("track/link/", views.link, name="link"),
    path("track/case/", views.case, name="case"),
    path("track/messages/", views.message_send, name="message-send"),
    path("track/contact/", views.contact, name="contact"),
    path("track/contact/confirm/", views.contact_confirm, name="contact-confirm"),
    path("track/visit/", views.visit, name="visit"),
    path("track/care-card/", views.care_card, name="care-card"),
    path("track/sign-out/", views.sign_out, name="sign-out"),
    path("cases/<str:reference>/messages/", views.message_reply, name="message-reply"),
]

urlpatterns += [
    path("track/support/", views.referral, name="referral"),
    path("track/complaint/", views.complaint, name="complaint"),
    path("track/review/", views.review, name="review"),
    path("track/entitlements/", views.entitlements, name="entitlements"),
]
