from django.contrib import admin  # noqa: F401 (the usual import of an app's admin.py, kept for whoever adds to it)

# Notifications hold recipients' addresses (personal data), so they are not in the admin.
