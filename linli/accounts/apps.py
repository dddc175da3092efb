from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "linli.accounts"
    label = "accounts"
    verbose_name = "账号管理"

    def ready(self) -> None:
        # models are not ready when apps.py is imported: the pages (which import them) load here
        from linli.accounts import views
        from linli.accounts.models import PersonLink
        from linli.core.context import register_account_admin, register_nav
        from linli.core.scope import declare

        declare(PersonLink._meta.label_lower, {"region": "region"})
        register_nav(views.nav_section, group="系统管理")
        # core's 账号管理 (resets, lockouts) folds into these pages: one menu entry, its old pages redirect
        register_account_admin(list_url="accounts:list", detail_url="accounts:detail")
