"""The invitation link, mounted at /accounts/invitation/ (config/urls.py), outside the
dashboard: the person opening it is not in the team yet."""

from django.urls import path

from shops.invitation_views import invitation_accept

urlpatterns = [
    path("<str:token>/", invitation_accept, name="invitation_accept"),
]
