"""/chat/<shop slug>/: the shop's web chat page and its messages endpoint."""

from django.urls import path

from conversations import webchat_views

urlpatterns = [
    path("<slug:slug>/", webchat_views.chat_page, name="webchat-page"),
    path("<slug:slug>/messages", webchat_views.chat_messages, name="webchat-messages"),
]
