from django.contrib import admin
from django.urls import include, path

from config.accounts import ThrottledPasswordResetView
from config.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    # Before Django's auth URLs, so that its unthrottled view is never reached.
    path("accounts/password_reset/", ThrottledPasswordResetView.as_view(),
         name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("moderation/", include("moderation.urls")),
    # Answered by config.middleware.HealthCheckMiddleware; the route names it for reverse().
    path("healthz", healthz, name="healthz"),
    path("", include("articles.urls")),
]

handler500 = "config.errors.server_error"
