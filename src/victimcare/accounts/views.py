from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from victimcare.accounts.permissions import Capability, capability_required
from victimcare.accounts.selectors import audit_record_list


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


@capability_required(Capability.VIEW_AUDIT_LOG)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    records = audit_record_list(user=request.user)
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_log.html", {"page": page})
