"""Dashboard pages of this app, mounted under /dashboard/ in the `dashboard` namespace."""

urlpatterns: list = []
