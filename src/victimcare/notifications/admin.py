from django.contrib import admin  # noqa: F401

# Notifications hold recipients' addresses (personal data), so they are not in the admin.
