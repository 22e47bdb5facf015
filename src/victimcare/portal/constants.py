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
# A link in a message to a victim opens the sign-in step once, within this many hours.
LINK_MAX_AGE_HOURS = 24
# Changes of contact details (each sends a code to the new address) per window per victim.
LIMIT_CONTACT_CHANGES = 5
MESSAGE_MAX_LENGTH = 2000
