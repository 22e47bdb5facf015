from django.urls import path

from victimcare.training import views
from victimcare.training.trials import views as trial_views

app_name = "training"

urlpatterns = [
    path("training/", views.index, name="index"),
    path("training/new/", views.module_create, name="module-create"),
    path("training/progress/", views.progress, name="progress"),
    path("training/mine/", views.mine, name="mine"),
    path("training/trials/", trial_views.trials, name="trials"),
    path("training/trials/<slug:code>/", trial_views.trial, name="trial"),
    path("training/mine/<int:pk>/", views.take, name="take"),
    path("training/<int:pk>/", views.module_detail, name="module"),
    path("training/<int:pk>/invite/", views.invite, name="invite"),
    path("training/<int:pk>/new-version/", views.version_start, name="version-start"),
    path("training/<int:pk>/rollout/", views.rollout, name="rollout"),
    path("training/versions/<int:pk>/edit/", views.version_edit, name="version-edit"),
    path("training/versions/<int:pk>/sign-off/", views.version_sign_off, name="sign-off"),
    path("training/versions/<int:pk>/publish/", views.version_publish, name="publish"),
    path("training/versions/<int:pk>/assign/", views.assign, name="assign"),
]
