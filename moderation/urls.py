from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("log/", views.log, name="log"),
    path("comments/<int:pk>/", views.comment_detail, name="comment"),
    path("comments/<int:pk>/approve/", views.approve, name="approve"),
    path("comments/<int:pk>/hide/", views.hide, name="hide"),
    path("comments/<int:pk>/flag/", views.flag, name="flag"),
    path("comments/<int:pk>/undo/", views.undo, name="undo"),
    path("bulk/approve/", views.bulk_approve, name="bulk_approve"),
    path("bulk/hide/", views.bulk_hide, name="bulk_hide"),
    path("bulk/undo/", views.bulk_undo, name="bulk_undo"),
]
