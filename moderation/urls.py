from django.urls import path  # noqa: F401 - the workspace's routes are added below

app_name = "moderation"

urlpatterns: list = []
