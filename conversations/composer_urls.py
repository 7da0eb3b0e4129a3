"""Dashboard routes of the inbox's composer (issue 9), mounted by dashboard/urls.py."""

from django.urls import path

from conversations import composer_views

urlpatterns = [
    path(
        "inbox/<int:conversation_id>/composer/",
        composer_views.composer_view,
        name="inbox_composer",
    ),
    path("inbox/<int:conversation_id>/reply/", composer_views.reply, name="inbox_reply"),
]
