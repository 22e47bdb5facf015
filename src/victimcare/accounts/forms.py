from django import forms
from django.utils.translation import gettext_lazy as _

CODE_MISSING = _("Enter the 6-digit code from your authenticator app")
CODE_NOT_SIX_DIGITS = _("The code must be 6 digits, like 123456")
CODE_WRONG = _("That code is wrong or has expired. Enter the code your app shows now")
RECOVERY_CODE_MISSING = _("Enter one of your recovery codes")
RECOVERY_CODE_WRONG = _("That recovery code is wrong or has already been used")


class AuthenticatorCodeForm(forms.Form):
    """A code from an authenticator app: 6 digits, spaces allowed ("123 456")."""

    code = forms.CharField(max_length=20, required=True, error_messages={"required": CODE_MISSING})

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split()).replace("-", "")
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise forms.ValidationError(CODE_NOT_SIX_DIGITS)
        return code


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        max_length=40, required=True, error_messages={"required": RECOVERY_CODE_MISSING}
    )
