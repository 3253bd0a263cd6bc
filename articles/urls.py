from django.urls import path

from . import views

urlpatterns = [
    path("", views.article_list, name="article_list"),
    path("articles/<slug:slug>/", views.article_detail, name="article_detail"),
    path("articles/<slug:slug>/comments/", views.post_comment, name="comment_post"),
    path("articles/<slug:slug>/comments/<int:pk>/reply/", views.reply, name="comment_reply"),
    path("articles/<slug:slug>/comments/<int:pk>/report/", views.report, name="comment_report"),
    path("articles/<slug:slug>/comments/<int:pk>/replies/", views.replies,
         name="comment_replies"),
]
