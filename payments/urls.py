from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("test/<str:token>/", views.test_pay, name="test-pay"),
]
