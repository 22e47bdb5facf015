from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageDirection(models.TextChoices):
    FROM_VICTIM = "from_victim", _("From the victim")
    TO_VICTIM = "to_victim", _("To the victim")


CODE_DIGITS = 6
CODE_MAX_TRIES = 5  # wrong guesses of one code before it is void
# Requests for a code, and wrong codes, allowed per window per reference and per address.
LIMIT_WINDOW_MINUTES = 15
LIMIT_PER_REFERENCE = 5
LIMIT_PER_ADDRESS = 20
LINK_MAX_AGE_DAYS = 7
MESSAGE_MAX_LENGTH = 2000
