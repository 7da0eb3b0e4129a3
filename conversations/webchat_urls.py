"""/chat/<shop slug>/: the shop's web chat page and its messages endpoint; /chat/widget.js
and /chat/<shop slug>/embed/: the chat a brand embeds in its own site (widget_views.py)."""

from django.urls import path

from conversations import webchat_views, widget_views

urlpatterns = [
    path("widget.js", widget_views.widget_script, name="webchat-widget"),
    path("<slug:slug>/embed/", widget_views.embed_page, name="webchat-embed"),
    path(
        "<slug:slug>/embed/messages",
        widget_views.embed_messages,
        name="webchat-embed-messages",
    ),
    path("<slug:slug>/", webchat_views.chat_page, name="webchat-page"),
    path("<slug:slug>/messages", webchat_views.chat_messages, name="webchat-messages"),
]
