from allauth.account import views as account_views
from django.contrib import admin
from django.urls import include, path

from articles import accounts

urlpatterns = [
    path("admin/", admin.site.urls),
    # Readers' accounts (django-allauth). The login and logout pages keep their old names
    # as well ("login", "logout"), which LOGIN_URL and the templates use.
    path("accounts/login/", account_views.login, name="login"),
    path("accounts/logout/", account_views.logout, name="logout"),
    path("accounts/name/", accounts.change_display_name, name="account_display_name"),
    path("accounts/", include("allauth.urls")),
    path("moderation/", include("moderation.urls")),
    path("", include("articles.urls")),
]
