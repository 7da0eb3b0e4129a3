"""Dashboard routes of one part of the inbox (issue 9), mounted by dashboard/urls.py."""

urlpatterns: list = []
