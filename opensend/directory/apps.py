from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "opensend.directory"
    label = "directory"
    verbose_name = "Local Offer"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_ensure_taxonomy, sender=self)


def _ensure_taxonomy(**kwargs: object) -> None:
    """Keep the built-in SEND taxonomy in step with the code after every migrate (and after a
    test database is flushed)."""
    from django.db import connections

    from opensend.directory.models import TaxonomyTerm
    from opensend.directory.taxonomy import ensure_send_taxonomy

    using = str(kwargs.get("using", "default"))
    if TaxonomyTerm._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated backwards past the directory's tables
    ensure_send_taxonomy()
