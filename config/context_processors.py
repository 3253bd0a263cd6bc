from django.contrib import admin
from django.utils.functional import SimpleLazyObject


def admin_link(request):
    """Whether the page header links to the admin: only for users the admin has a page for.

    Moderators are staff but work in /moderation/; an Admin link that leads to "you don't
    have permission to view or edit anything" would only mislead them. Lazy, so pages
    that never show the header pay nothing; the permissions it reads are the ones the
    header's Moderation link has already loaded.
    """

    def visible() -> bool:
        user = getattr(request, "user", None)
        if user is None or not (user.is_active and user.is_staff):
            return False
        return bool(admin.site.get_app_list(request))

    return {"show_admin_link": SimpleLazyObject(visible)}
