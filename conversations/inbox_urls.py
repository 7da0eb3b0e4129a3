"""The inbox's pages and actions (issue 9, part 2), mounted by dashboard/urls.py."""

from django.urls import path

from conversations import inbox_settings_views as settings_views
from conversations import inbox_views as views

conversation = "inbox/<int:conversation_id>/"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/list/", views.inbox_list, name="inbox_list"),
    path("inbox/online/", views.inbox_online, name="inbox_online"),
    path(conversation, views.inbox_conversation, name="inbox_conversation"),
    path(f"{conversation}thread/", views.inbox_thread, name="inbox_thread"),
    path(f"{conversation}presence/", views.inbox_presence, name="inbox_presence"),
    path(f"{conversation}take-over/", views.inbox_take_over, name="inbox_take_over"),
    path(f"{conversation}hand-back/", views.inbox_hand_back, name="inbox_hand_back"),
    path(f"{conversation}assign/", views.inbox_assign, name="inbox_assign"),
    path(f"{conversation}resolve/", views.inbox_resolve, name="inbox_resolve"),
    path(f"{conversation}reopen/", views.inbox_reopen, name="inbox_reopen"),
    path(f"{conversation}labels/", views.inbox_labels, name="inbox_labels"),
    path(f"{conversation}notes/", views.inbox_note_add, name="inbox_note_add"),
    # Settings: canned replies (the page), labels, business hours.
    path("inbox/canned/", settings_views.canned_reply_list, name="canned_reply_list"),
    path(
        "inbox/canned/<int:canned_reply_id>/",
        settings_views.canned_reply_edit,
        name="inbox_canned_edit",
    ),
    path(
        "inbox/canned/<int:canned_reply_id>/delete/",
        settings_views.canned_reply_delete,
        name="inbox_canned_delete",
    ),
    path("inbox/labels/", settings_views.inbox_label_create, name="inbox_label_create"),
    path("inbox/labels/<int:label_id>/", settings_views.inbox_label_edit, name="inbox_label_edit"),
    path(
        "inbox/labels/<int:label_id>/delete/",
        settings_views.inbox_label_delete,
        name="inbox_label_delete",
    ),
    path("inbox/hours/", settings_views.inbox_hours, name="inbox_hours"),
]
