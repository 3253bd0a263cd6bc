from django.urls import path

import config.converters  # noqa: F401  (registers <id:…>)

from . import views

urlpatterns = [
    path("", views.article_list, name="article_list"),
    path("articles/<slug:slug>/", views.article_detail, name="article_detail"),
    path("articles/<slug:slug>/comments/", views.post_comment, name="comment_post"),
    path("articles/<slug:slug>/comments/<id:pk>/reply/", views.reply, name="comment_reply"),
    path("articles/<slug:slug>/comments/<id:pk>/report/", views.report, name="comment_report"),
    path("articles/<slug:slug>/comments/<id:pk>/replies/", views.replies,
         name="comment_replies"),
    path("replies/stop/<str:token>/", views.stop_replies, name="stop_replies"),
]
