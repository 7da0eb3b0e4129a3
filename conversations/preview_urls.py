"""The channel preview, mounted under /dashboard/ in the `dashboard` namespace. It lives in
conversations (it shows the bot's messages) and is listed with the channels pages."""

from django.urls import path

from conversations import preview_views

urlpatterns = [
    path("channels/preview/", preview_views.preview, name="preview"),
]
