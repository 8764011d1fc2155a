"""The page a mentor reaches from their invitation email: choose a password, then log in."""

from django import forms
from django.contrib import messages
from django.contrib.auth import login, password_validation
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.rules import has_two_factor
from register.invitations import (
    InvitationError,
    InvitationProblem,
    accept_invitation,
    check_invitation,
)


class InvitationPasswordForm(forms.Form):
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=(
            "Use at least 10 characters. Avoid common passwords, numbers on their own, "
            "and anything like your name or email address."
        ),
    )
    password2 = forms.CharField(
        label="Enter the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["password1"].error_messages["required"] = "Enter a password."
        self.fields["password2"].error_messages["required"] = "Enter the password again."

    def clean_password1(self) -> str:
        password = self.cleaned_data["password1"]
        password_validation.validate_password(password, self.user)
        return password

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords are different. Enter the same one.")
        return cleaned


# The status of the page for each kind of unusable link.
PROBLEM_STATUS = {
    InvitationProblem.EXPIRED: 410,
    InvitationProblem.USED: 410,
    InvitationProblem.INVALID: 404,
}


def _problem_page(request: HttpRequest, problem: InvitationProblem) -> HttpResponse:
    return render(
        request,
        "accounts/invitation_problem.jinja",
        {"problem": problem.value},
        status=PROBLEM_STATUS[problem],
    )


@login_not_required
@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "HEAD", "POST"])
def accept_mentor_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the signed link is the proof. Checks signature, age and nonce on every request."""
    try:
        profile = check_invitation(token)
    except InvitationError as error:
        return _problem_page(request, error.problem)
    user = profile.user
    if user is None:  # check_invitation only finds mentors with a login
        return _problem_page(request, InvitationProblem.INVALID)
    form = InvitationPasswordForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            accept_invitation(profile=profile, password=form.cleaned_data["password1"])
        except InvitationError as error:
            return _problem_page(request, error.problem)
        if has_two_factor(user):
            # Never skip someone's second factor: they log in the usual way.
            messages.success(request, "Your password is saved. Log in to continue.")
            return redirect("account_login")
        login(request, user, backend="accounts.backends.ModelBackend")
        messages.success(request, "Your password is saved and you are logged in.")
        return redirect("dashboard")
    return render(
        request,
        "accounts/invitation.jinja",
        {"form": form, "email": user.email, "first_name": profile.first_name},
    )
