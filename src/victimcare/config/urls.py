from django.contrib import admin
from django.urls import include, path

from victimcare.accounts.views import admin_sign_in
from victimcare.config.api import api

handler404 = "victimcare.core.views.not_found"

admin.site.site_header = "victimcare administration"
admin.site.site_title = "victimcare administration"
# The admin site has no sign-in of its own: a password alone would not pass the second
# factor. Its sign-in page sends staff to the staff sign-in (accounts/views.py).
admin.site.login = admin_sign_in  # type: ignore[method-assign,assignment]  # (replaced on purpose)

urlpatterns = [
    # First: records systems post reports here at hundreds a second, and every pattern
    # tried before a match costs each of them (no other pattern starts with "api/").
    path("api/v1/", api.urls),
    path("", include("victimcare.core.urls")),
    path("", include("victimcare.accounts.urls")),
    path("", include("victimcare.cases.urls")),
    path("", include("victimcare.audit.urls")),
    path("", include("victimcare.intake.urls")),
    path("", include("victimcare.portal.urls")),
    path("", include("victimcare.care.urls")),
    path("", include("victimcare.surveys.urls")),
    path("", include("victimcare.oversight.urls")),
    path("", include("victimcare.training.urls")),
    path("admin/", admin.site.urls),
]
