from django.urls import path

import config.converters  # noqa: F401  (registers <id:…>)

from . import views
from .views import people, saved

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("log/", views.log, name="log"),
    path("live/", views.live, name="live"),
    path("cards/", views.queue_cards, name="cards"),
    path("comments/<id:pk>/", views.comment_detail, name="comment"),
    path("comments/<id:pk>/approve/", views.approve, name="approve"),
    path("comments/<id:pk>/hide/", views.hide, name="hide"),
    path("comments/<id:pk>/flag/", views.flag, name="flag"),
    path("comments/<id:pk>/undo/", views.undo, name="undo"),
    path("comments/<id:pk>/feature/", views.feature, name="feature"),
    path("comments/<id:pk>/unfeature/", views.unfeature, name="unfeature"),
    path("bulk/approve/", views.bulk_approve, name="bulk_approve"),
    path("bulk/hide/", views.bulk_hide, name="bulk_hide"),
    path("bulk/undo/", views.bulk_undo, name="bulk_undo"),
    path("people/", views.commenters, name="commenters"),
    path("people/<id:pk>/", views.commenter, name="commenter"),
    path("people/<id:pk>/ban/", people.ban, name="commenter_ban"),
    path("people/<id:pk>/hiding/", people.commenter_hiding, name="commenter_hiding"),
    path("people/<id:pk>/suspend/", people.suspend, name="commenter_suspend"),
    path("people/<id:pk>/premoderate/", people.premoderate, name="commenter_premoderate"),
    path("people/<id:pk>/trust/", people.trust, name="commenter_trust"),
    path("people/<id:pk>/note/", people.note, name="commenter_note"),
    path("people/events/<id:event_pk>/undo/", people.undo, name="commenter_undo"),
    path("saved/", saved.saved_queues, name="saved_queues"),
    path("saved/new/", saved.save_queue, name="save_queue"),
    path("saved/counts/", saved.saved_counts, name="saved_counts"),
    path("saved/<id:pk>/rename/", saved.rename_queue, name="rename_queue"),
    path("saved/<id:pk>/delete/", saved.delete_queue, name="delete_queue"),
]
