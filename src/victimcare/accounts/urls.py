from django.urls import path

from victimcare.accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-in/code/", views.second_factor, name="two-factor"),
    path("sign-in/recovery-code/", views.second_factor_recovery, name="two-factor-recovery"),
    path("sign-in/set-up/", views.second_factor_enrol, name="two-factor-enrol"),
    path(
        "sign-in/recovery-codes/",
        views.second_factor_recovery_codes,
        name="two-factor-recovery-codes",
    ),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
]
