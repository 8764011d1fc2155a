"""Your data: see what we hold, download it, or delete your account (privacy/personal_data.py)."""

from allauth.core import ratelimit
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.rules import is_mentee, is_mentor
from privacy.personal_data import (
    PersonalDataError,
    erase_account,
    erase_blockers,
    export_user_data,
)
from scheme.profiles import current_profile


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="We ask for it again to make sure it is you.",
        error_messages={"required": "Enter your password."},
    )
    confirm = forms.BooleanField(
        label="I understand that my account will be deleted and this cannot be undone",
        error_messages={"required": "Tick the box to confirm you want to delete your account."},
    )

    def __init__(self, *args, request: HttpRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        user = self.request.user
        # The same limit as allauth's own "enter your password again" page.
        if not ratelimit.consume(self.request, action="reauthenticate", user=user):
            raise forms.ValidationError("Too many attempts. Wait a minute, then try again.")
        if not user.check_password(password):
            raise forms.ValidationError("The password is not right. Try again.")
        return password


@require_safe
def my_data(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/data_index.jinja",
        {
            "is_mentee": is_mentee(user),
            "is_mentor": is_mentor(user),
            "asks_training": current_profile().asks_training_status,
        },
    )


@require_POST
def my_data_download(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A POST, because it records that the person downloaded their data."""
    content = export_user_data(request.user)
    filename = f"my-mentoring-data-{timezone.localdate():%Y-%m-%d}.zip"
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "HEAD", "POST"])
def delete_account(request: AuthenticatedHttpRequest) -> HttpResponse:
    blockers = erase_blockers(request.user)
    form = DeleteAccountForm(
        request.POST if request.method == "POST" and not blockers else None, request=request
    )
    if request.method == "POST" and not blockers and form.is_valid():
        try:
            erase_account(request.user)
        except PersonalDataError as error:  # something changed since the page was drawn
            messages.error(request, str(error))
            return redirect("delete_account")
        logout(request)
        messages.success(request, "Your account has been deleted. Thank you for taking part.")
        return redirect("home")
    return render(request, "accounts/data_delete.jinja", {"form": form, "blockers": blockers})
