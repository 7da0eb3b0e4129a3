"""Dashboard routes of one part of the inbox (issue 9), mounted by dashboard/urls.py: the live
events every dashboard page polls, and the count on the Inbox link."""

from django.urls import path

from shops import live_views

urlpatterns = [
    path("live/events/", live_views.live_events, name="live_events"),
    path("live/badge/", live_views.live_badge, name="live_badge"),
]
