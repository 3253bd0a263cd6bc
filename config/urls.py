from allauth.account import views as account_views
from django.contrib import admin
from django.urls import include, path

from articles import accounts
from config.accounts import ThrottledPasswordResetView
from config.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    # Readers' accounts (django-allauth). The login and logout pages keep their old names
    # as well ("login", "logout"), which LOGIN_URL and the templates use.
    path("accounts/login/", accounts.login, name="login"),
    path("accounts/logout/", account_views.logout, name="logout"),
    path("accounts/name/", accounts.change_display_name, name="account_display_name"),
    # One password reset, throttled (config/accounts.py): allauth's link to its own reset
    # page lands on it too, before either app's unthrottled view can be reached.
    path("accounts/password_reset/", ThrottledPasswordResetView.as_view(),
         name="password_reset"),
    path("accounts/password/reset/", ThrottledPasswordResetView.as_view(),
         name="account_reset_password"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/", include("allauth.urls")),
    path("moderation/", include("moderation.urls")),
    # Answered by config.middleware.HealthCheckMiddleware; the route names it for reverse().
    path("healthz", healthz, name="healthz"),
    path("", include("articles.urls")),
]

handler500 = "config.errors.server_error"
