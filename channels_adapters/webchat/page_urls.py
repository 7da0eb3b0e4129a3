"""/chat/<shop slug>/: the shop's web chat page and its messages endpoint (views.py);
/chat/widget.js and /chat/<shop slug>/embed/: the chat a brand embeds in its own site
(widget_views.py). Mounted at PREFIX by config/urls.py (registry.page_urlconfs)."""

from django.urls import path

from channels_adapters.webchat import views, widget_views

# Public: brands link to these pages and paste the widget's address into their sites, so the
# prefix and every route below must never change.
PREFIX = "chat/"

urlpatterns = [
    path("widget.js", widget_views.widget_script, name="webchat-widget"),
    path("<slug:slug>/embed/", widget_views.embed_page, name="webchat-embed"),
    path(
        "<slug:slug>/embed/messages",
        widget_views.embed_messages,
        name="webchat-embed-messages",
    ),
    path("<slug:slug>/", views.chat_page, name="webchat-page"),
    path("<slug:slug>/messages", views.chat_messages, name="webchat-messages"),
]
