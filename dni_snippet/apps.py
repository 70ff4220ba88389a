from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class DniSnippetConfig(AppConfig):
    name = "dni_snippet"
    verbose_name = "DNI snippet"

    def ready(self):
        from accounts.models import Website
        from dni_snippet.website_cache import on_website_or_pool_change
        from pools.models import Pool

        # The assign endpoint caches website + pools (dni_snippet.website_cache): any change invalidates it.
        for model in (Website, Pool):
            post_save.connect(on_website_or_pool_change, sender=model, dispatch_uid=f"dni_cache_{model.__name__}")
            post_delete.connect(on_website_or_pool_change, sender=model, dispatch_uid=f"dni_cache_del_{model.__name__}")
